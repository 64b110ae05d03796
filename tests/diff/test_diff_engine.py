"""`pob-ls diff` with the real engine (PoB 2.63.0).

One host computes several edited copies of build 067 (each load ~2 s); a few runs of the real
command in a subprocess cover two files, REV:PATH, PATH vs HEAD, a baseline that fails to load,
and git's textconv driving `git diff`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pob_ls.analysis.build_diff import diff_builds
from pob_ls.analysis.diff_model import DiffSide
from pob_ls.cli.diff import compare, compute_side, diff_json
from pob_ls.engine.host import BuildResult
from pob_ls.server.build_sources import parse_source
from tests.conftest import engine_or_skip
from tests.diff import edits
from tests.diff.gitrepo import Repo, git_env

CLI = [sys.executable, "-c", "import sys; from pob_ls.cli import main; sys.exit(main(sys.argv[1:]))"]
STATS_KEYS = {
    "engine",
    "file",
    *BuildResult(None, None, None, None, None, None, 0, {}, None, [], [], [], [], []).to_json(),
}


@pytest.fixture(scope="module")
def host() -> Iterator[Any]:
    from pob_ls.engine.host import PobHost

    engine = engine_or_skip("2.63.0")
    yield PobHost(engine)


@pytest.fixture(scope="module")
def sides(host: Any, shared_builds: Path) -> dict[str, DiffSide]:
    """Build 067 and a few edited copies, computed once in one host."""
    base = edits.base_text(shared_builds)
    out = {"base": compute_side(host, parse_source("base", base.encode()), "old")}
    for name in ("gem_level", "node_removed", "mastery_changed", "main_skill", "config_set"):
        out[name] = compute_side(host, parse_source(name, edits.EDITS[name](base).encode()), "new")
    return out


def test_identical_build_has_no_deltas(sides: dict[str, DiffSide]) -> None:
    diff = diff_builds(sides["base"], sides["base"])
    assert (diff.stats, diff.sidebar, diff.changes) == ([], [], [])


def test_gem_level_lowers_dps_at_full_precision(sides: dict[str, DiffSide]) -> None:
    out = diff_json(sides["base"], sides["gem_level"])
    assert set(out["old"]) == STATS_KEYS and set(out["new"]) == STATS_KEYS
    rows = {r["stat"]: r for r in out["stats"]}
    dps = rows["CombinedDPS"]
    assert dps["old"] == out["old"]["player_stats"]["CombinedDPS"]
    assert dps["new"] == out["new"]["player_stats"]["CombinedDPS"]
    assert dps["delta"] == dps["new"] - dps["old"] < 0
    # Exactly the stats that differ, and all of them.
    old_ps, new_ps = out["old"]["player_stats"], out["new"]["player_stats"]
    assert {r["stat"] for r in out["stats"]} == {
        k for k in old_ps.keys() | new_ps.keys() if old_ps.get(k) != new_ps.get(k)
    }
    assert [c["kind"] for c in out["changes"]] == ["gem"]


def test_node_named_by_the_engine(sides: dict[str, DiffSide]) -> None:
    c, *dropped = diff_builds(sides["base"], sides["node_removed"]).changes
    assert c.text == "unallocated Mine Damage" and c.details == ("12% increased Mine Damage",)
    # Mine Damage led to other nodes: PoB drops them although the file keeps their ids.
    assert dropped and all(d.fields.get("engine_only") and d.change == "removed" for d in dropped)
    assert all(d.text.startswith("PoB no longer allocates ") and "node " not in d.text for d in dropped)
    life = [s for s in diff_builds(sides["base"], sides["node_removed"]).stats if s.stat == "CombinedDPS"]
    assert life and life[0].delta < 0


def test_mastery_effects_named_by_each_side(sides: dict[str, DiffSide]) -> None:
    [c] = diff_builds(sides["base"], sides["mastery_changed"]).changes
    assert c.kind == "mastery" and c.change == "changed"
    old_text, new_text = c.text.split(": ", 1)[1].split(" -> ")
    assert old_text == "Auras from your Skills have 10% increased Effect on you"
    assert new_text and "effect 28638" not in new_text and new_text != old_text


def test_main_skill_named_by_the_engine(sides: dict[str, DiffSide]) -> None:
    [c] = diff_builds(sides["base"], sides["main_skill"]).changes
    assert c.kind == "socket-group" and c.text.startswith("main skill: Exsanguinate -> ")
    assert c.fields["main_skill"][1] == sides["main_skill"].stats["build"]["main_skill"] != "Exsanguinate"


def test_config_labelled_as_pob_shows_it(sides: dict[str, DiffSide]) -> None:
    [c] = diff_builds(sides["base"], sides["config_set"]).changes
    assert c.kind == "config" and c.fields["name"] == "conditionEnemyShocked"
    label = sides["config_set"].config_labels["conditionEnemyShocked"]
    assert label != "conditionEnemyShocked" and c.text == f"{label} (conditionEnemyShocked): true"


def test_minion_stats_are_marked(host: Any, shared_builds: Path) -> None:
    base = (shared_builds / "065-dominating-blow-of-inspiring-guardian-3-28.xml").read_text(encoding="utf-8")
    m = re.search(r'<Gem [^>]*variantId="DominatingBlowAltX"[^>]*>', base)
    assert m is not None
    edited = base.replace(m.group(), m.group().replace('level="20"', 'level="15"'))
    old, new = compare(host, parse_source("065", base.encode()), parse_source("065 edited", edited.encode()))
    out = diff_json(old, new)
    minion = [r for r in out["stats"] if r.get("minion")]
    assert minion, "a lower Dominating Blow level changes the minions' stats"
    for row in minion:
        assert row["old"] == out["old"]["minion_stats"].get(row["stat"])
        assert row["new"] == out["new"]["minion_stats"].get(row["stat"])


# -- the command itself ---------------------------------------------------------------------


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "diff", *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, shared_builds: Path) -> Repo:
    engine_or_skip("2.63.0")
    r = Repo(tmp_path_factory.mktemp("diffrepo"))
    base = edits.base_text(shared_builds)
    r.commit({"b.pob": base}, "base")
    r.commit({"b.pob": edits.item_mod(base)}, "gloves life re-rolled")
    (r.root / "b.pob").write_text(edits.node_removed(edits.item_mod(base)), encoding="utf-8")
    return r


def test_two_files_text(tmp_path: Path, shared_builds: Path) -> None:
    engine_or_skip("2.63.0")
    base = edits.base_text(shared_builds)
    (tmp_path / "old.pob").write_text(base, encoding="utf-8")
    (tmp_path / "new.pob").write_text(edits.gem_level(base), encoding="utf-8")
    proc = run(["old.pob", "new.pob"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("--- old.pob  (Shadow Trickster, level 97, main skill Exsanguinate)")
    combined = [line for line in lines if line.strip().startswith("Combined DPS")]
    assert len(combined) == 1 and re.search(r" -> .*  -[\d,.]+ \(-\d+\.\d%\)$", combined[0])
    assert lines.index("Changes:") > lines.index("Stats:")
    assert any("Hatred in " in line and "level 21 -> 20" in line for line in lines)


def test_rev_path_json(repo: Repo) -> None:
    proc = run(["HEAD~1:b.pob", "HEAD:b.pob", "--json"], repo.root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"old", "new", "stats", "changes"}
    assert (out["old"]["file"], out["new"]["file"]) == ("HEAD~1:b.pob", "HEAD:b.pob")
    [c] = out["changes"]
    assert (c["kind"], c["change"], c["removed_lines"], c["added_lines"]) == (
        "item",
        "changed",
        ["+124 to maximum Life"],
        ["+90 to maximum Life"],
    )
    assert c["old_line"] == c["new_line"] and c["old_line"] > 1
    life = {r["stat"]: r for r in out["stats"]}["Life"]
    assert life["delta"] == life["new"] - life["old"] < 0


def test_path_against_head(repo: Repo) -> None:
    proc = run(["b.pob"], repo.root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- HEAD:b.pob  (")
    assert "  node         removed  unallocated Mine Damage" in proc.stdout.splitlines()
    assert "maximum Life" not in proc.stdout  # the item change is already committed


def test_baseline_that_fails_to_load(tmp_path: Path, shared_builds: Path) -> None:
    """HEAD holds a build PoB 2.63.0 cannot load; the working copy is fine: one line naming the old side."""
    engine_or_skip("2.63.0")
    r = Repo(tmp_path / "r")
    r.commit({"b.pob": (shared_builds / edits.FAILS_ON_263).read_text(encoding="utf-8")}, "broken")
    (r.root / "b.pob").write_text(edits.base_text(shared_builds), encoding="utf-8")
    proc = run(["b.pob"], r.root)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pob-ls: error: HEAD:b.pob (old build): "), proc.stderr


def test_git_diff_through_textconv(repo: Repo) -> None:
    """The README's git integration, for real: `git diff` shows the stat and node changes."""
    command = " ".join(
        [
            f"'{sys.executable}'",
            "-c",
            "'import sys; from pob_ls.cli import main; sys.exit(main(sys.argv[1:]))'",
            "diff",
            "--textconv",
        ]
    )
    repo.git("config", "diff.pob.textconv", command)
    (repo.root / ".gitattributes").write_text("*.pob diff=pob\n", encoding="utf-8")
    proc = subprocess.run(
        ["git", "diff", "--", "b.pob"],
        cwd=repo.root,
        env=git_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    removed = [
        line for line in proc.stdout.splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    added = [line for line in proc.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "-  Normal: Mine Damage" in removed
    assert any(line.startswith("-Stats: Combined DPS: ") for line in removed)
    assert any(line.startswith("+Stats: Combined DPS: ") for line in added)
    assert not any("nodes=" in line for line in removed + added), "git showed the XML, not the rendering"


def test_git_difftool_runs_the_diff(repo: Repo) -> None:
    """The README's difftool line: git hands both versions to `pob-ls diff` as temporary files."""
    command = (
        f"'{sys.executable}' -c 'import sys; from pob_ls.cli import main; sys.exit(main(sys.argv[1:]))' diff"
    )
    proc = subprocess.run(
        ["git", "difftool", "-y", "-x", command, "HEAD~1", "HEAD", "--", "b.pob"],
        cwd=repo.root,
        env=git_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Stats:" in proc.stdout and "      + +90 to maximum Life" in proc.stdout.splitlines()
