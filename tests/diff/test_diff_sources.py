"""`pob-ls diff` sources without the engine: files, share codes, REV:PATH, PATH vs HEAD, and bad input.

Every failure here happens before PoB boots, so these tests are fast; each must give exit 2 and
exactly one `pob-ls: error:` line naming the file or revision.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pob_ls.cli import main
from pob_ls.document import encode_share_code
from pob_ls.server.build_sources import BuildSourceError, file_source, git_source, head_source, resolve_source
from tests.diff import edits
from tests.diff.gitrepo import Repo


@pytest.fixture
def repo(tmp_path: Path, shared_builds: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    base = edits.base_text(shared_builds)
    r.commit(
        {"builds/b.pob": base, "garbage.pob": "hello, not a build\n", "blob.bin": b"\x00\x01PK\x03\x04"},
        "one",
    )
    r.commit({"builds/b.pob": edits.gem_level(base)}, "two")
    return r


def one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(["diff", *argv])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pob-ls: error: ")
    return lines[0]


def test_file_and_share_code_sources(tmp_path: Path, shared_builds: Path) -> None:
    base = edits.base_text(shared_builds)
    xml = tmp_path / "b.pob"
    xml.write_text(base, encoding="utf-8")
    code = tmp_path / "code.txt"
    code.write_text(encode_share_code(base) + "\n", encoding="utf-8")
    assert file_source(xml).document.text == base
    shared = resolve_source(str(code), tmp_path)
    assert shared.document.from_share_code and shared.document.text == base


def test_rev_path_and_head_forms(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.root)
    older = resolve_source("HEAD~1:builds/b.pob", repo.root)
    head = resolve_source("HEAD:builds/b.pob", repo.root)
    assert older.label == "HEAD~1:builds/b.pob"
    assert 'level="21" gemId="Metadata/Items/Gems/SkillGemHatred"' in older.document.text
    assert 'level="20" gemId="Metadata/Items/Gems/SkillGemHatred"' in head.document.text
    # PATH vs HEAD works from any directory, relative to the file's own folder.
    monkeypatch.chdir(repo.root.parent)
    via_head = head_source(repo.root / "builds" / "b.pob")
    assert via_head.document.text == head.document.text
    assert via_head.label == f"HEAD:{repo.root / 'builds' / 'b.pob'}"
    assert git_source("HEAD:./b.pob", repo.root / "builds").document.text == head.document.text


def test_existing_file_with_colon_is_a_file(tmp_path: Path, shared_builds: Path) -> None:
    odd = tmp_path / "v1:b.pob"
    odd.write_text(edits.base_text(shared_builds), encoding="utf-8")
    assert resolve_source(str(odd), tmp_path).label == str(odd)


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = one_error(capsys, [str(tmp_path / "nope.pob"), str(tmp_path / "nope2.pob")])
    assert str(tmp_path / "nope.pob") in line and "cannot read" in line


def test_binary_revision(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    line = one_error(capsys, ["HEAD:blob.bin", "builds/b.pob"])
    assert line == "pob-ls: error: HEAD:blob.bin: binary data, not a PoB build"


def test_garbage_revision(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    line = one_error(capsys, ["HEAD:garbage.pob", "builds/b.pob"])
    assert line.startswith("pob-ls: error: HEAD:garbage.pob:1:1: ")


def test_bad_revision(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    line = one_error(capsys, ["nosuchrev:builds/b.pob", "builds/b.pob"])
    assert (
        line.startswith("pob-ls: error: nosuchrev:builds/b.pob: ") and "nosuchrev" in line.split(": ", 2)[2]
    )
    line = one_error(capsys, ["HEAD:builds/missing.pob", "builds/b.pob"])
    assert "HEAD:builds/missing.pob" in line and "does not exist" in line
    line = one_error(capsys, ["HEAD:builds", "builds/b.pob"])
    assert line == "pob-ls: error: HEAD:builds: is a git tree, not a file"


def test_not_a_repository(tmp_path: Path, shared_builds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lonely = tmp_path / "alone" / "b.pob"
    lonely.parent.mkdir()
    lonely.write_text(edits.base_text(shared_builds), encoding="utf-8")
    line = one_error(capsys, [str(lonely)])
    assert line.startswith(f"pob-ls: error: HEAD:{lonely}: ") and "not a git repository" in line
    with pytest.raises(BuildSourceError, match="not a git repository"):
        git_source("HEAD:b.pob", lonely.parent)


def test_untracked_file_against_head(
    repo: Repo, capsys: pytest.CaptureFixture[str], shared_builds: Path
) -> None:
    new = repo.root / "new.pob"
    new.write_text(edits.base_text(shared_builds), encoding="utf-8")
    line = one_error(capsys, [str(new)])
    assert f"HEAD:{new}" in line


def test_textconv_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = one_error(capsys, ["--textconv", "a.pob", "b.pob"])
    assert "--textconv takes one FILE" in line
    line = one_error(capsys, ["--textconv", str(tmp_path / "none.pob")])
    assert "cannot read" in line


def test_textconv_of_garbage_still_gives_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """git aborts the whole diff when a textconv fails, so an unreadable version prints as itself."""
    bad = tmp_path / "bad.pob"
    bad.write_text("not a build at all\n", encoding="utf-8")
    assert main(["diff", "--textconv", str(bad)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pob-ls: this version could not be computed: ")
    assert out.endswith("not a build at all\n")
