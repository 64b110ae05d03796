"""`pob-ls check`: files and folders, formats, exit codes (0 clean, 1 warnings, 2 errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pob_ls.cli import main
from pob_ls.document import encode_share_code
from tests.conftest import SHARED_BUILDS, engine_or_skip
from tests.server.conftest import SMALL_BUILD


def test_folder_text_output_without_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.xml").write_text(SMALL_BUILD)
    (tmp_path / "sub" / "code.pob").write_text(encode_share_code(SMALL_BUILD))
    (tmp_path / "other.xml").write_text("<NotABuild/>")
    assert main(["check", "--no-engine", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 build files checked: no problems" in out


def test_broken_build_is_an_error_at_its_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.pob"
    path.write_text(SMALL_BUILD.replace("</Skills>", "</Skillz>"))
    assert main(["check", "--no-engine", "--format", "json", str(path)]) == 2
    report = json.loads(capsys.readouterr().out)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    line = SMALL_BUILD[: SMALL_BUILD.index("</Skills>")].count("\n") + 1
    assert errors and errors[0]["line"] == line and report["exitCode"] == 2


def test_sarif_and_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.pob"
    path.write_text(SMALL_BUILD.replace("</Skills>", "</Skillz>"))
    assert main(["check", "--no-engine", "--format", "sarif", str(path), str(tmp_path / "nope.pob")]) == 2
    captured = capsys.readouterr()
    sarif = json.loads(captured.out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["level"] == "error"
    assert "nope.pob: no such file or folder" in captured.err


def test_missing_engine_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.pob"
    path.write_text(SMALL_BUILD)
    assert main(["check", "--engine", str(tmp_path / "no-engine"), str(path)]) == 2
    assert "pob-ls: error:" in capsys.readouterr().err


@pytest.mark.engine
def test_real_builds_with_the_engine(capsys: pytest.CaptureFixture[str]) -> None:
    engine_or_skip()
    builds = [
        SHARED_BUILDS / "065-dominating-blow-of-inspiring-guardian-3-28.xml",
        SHARED_BUILDS / "073-kinetic-fusillade-hierophant-3-28.xml",
    ]
    if not all(b.is_file() for b in builds):
        pytest.skip("../shared/builds is absent")
    code = main(["check", "--format", "json", *map(str, builds)])
    report = json.loads(capsys.readouterr().out)
    codes = {(Path(f["file"]).name[:3], f["code"]) for f in report["findings"]}
    assert ("065", "config-inactive") in codes and ("073", "socket-limit") in codes
    assert code == 1  # 073 has warnings, neither has errors


@pytest.mark.engine
def test_a_build_no_engine_knows_is_one_error_on_its_tree_version(capsys: pytest.CaptureFixture[str]) -> None:
    engine_or_skip()
    build = SHARED_BUILDS / "079-righteous-fire-chieftain-3-29.xml"
    if not build.is_file():
        pytest.skip("../shared/builds/079 is absent")
    assert main(["check", "--format", "json", str(build)]) == 2
    report = json.loads(capsys.readouterr().out)
    (finding,) = [f for f in report["findings"] if f["code"] == "no-engine-for-tree"]
    text = build.read_text(encoding="utf-8")
    assert finding["line"] == text[: text.index('treeVersion="3_29"')].count("\n") + 1
    assert "tree 3_29" in finding["message"] and "`pob-ls engine install latest`" in finding["message"]
    assert not [f for f in report["findings"] if f["code"] == "engine-error"]
