"""`pob-ls check --baseline REV --fail-on ...`: thresholds, placement, outputs, and real runs in a tmp repo."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pob_ls.analysis.diff_model import StatDelta
from pob_ls.cli.check_baseline import (
    THRESHOLD_CODE,
    UNAVAILABLE_CODE,
    BaselineOutcome,
    outcome_findings,
    parse_threshold,
    text_lines,
    unknown_stats,
)
from pob_ls.document import parse_document
from tests.conftest import engine_or_skip
from tests.diff import edits
from tests.diff.gitrepo import Repo

CLI = [sys.executable, "-c", "import sys; from pob_ls.cli import main; sys.exit(main(sys.argv[1:]))"]


def test_threshold_syntax() -> None:
    t = parse_threshold("CombinedDPS<-5%")
    assert (t.stat, t.op, t.value, t.percent) == ("CombinedDPS", "<", -5.0, True)
    t = parse_threshold(" Life <= -200 ")
    assert (t.stat, t.op, t.value, t.percent) == ("Life", "<=", -200.0, False)
    assert parse_threshold("MainHand.Accuracy>=1.5").stat == "MainHand.Accuracy"
    for bad in ("CombinedDPS", "<5", "Life<<5", "Life<five", "Life=5", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_threshold(bad)


def test_threshold_crossing() -> None:
    drop = StatDelta("CombinedDPS", 1000.0, 940.0, -60.0)
    assert parse_threshold("CombinedDPS<-5%").crossed(drop)  # -6%
    assert not parse_threshold("CombinedDPS<-10%").crossed(drop)
    assert parse_threshold("CombinedDPS<=-60").crossed(drop) and not parse_threshold(
        "CombinedDPS<-60"
    ).crossed(drop)
    assert parse_threshold("CombinedDPS>-100").crossed(drop) and not parse_threshold(
        "CombinedDPS>=0"
    ).crossed(drop)
    # No number on one side, or a zero baseline for a percentage: nothing to compare, no failure.
    assert not parse_threshold("CombinedDPS<-5%").crossed(StatDelta("CombinedDPS", 1000.0, None, None))
    assert not parse_threshold("Armour<-5%").crossed(StatDelta("Armour", 0, 10, 10))
    assert parse_threshold("Armour>5").crossed(StatDelta("Armour", 0, 10, 10))


def test_unknown_stats() -> None:
    names = {"player": ["CombinedDPS", "Life"], "minion": ["TotalDPS"]}
    thresholds = [parse_threshold(t) for t in ("Life<-1", "TotalDPS<-1%", "CombinedDPZ<0")]
    assert unknown_stats(thresholds, names) == ["CombinedDPZ"]


def test_findings_sit_on_the_stored_stat(shared_builds: Path) -> None:
    base = edits.base_text(shared_builds)
    doc = parse_document(base)
    path = Path("b.pob")
    outcome = BaselineOutcome(
        "HEAD", [StatDelta("Life", 3132.0, 3062.0, -70.0), StatDelta("Gone", 1.0, 2.0, 1.0)]
    )
    [f] = outcome_findings(path, doc, outcome, [parse_threshold("Life<-20"), parse_threshold("Life<-100")])
    assert (f.severity, f.code) == ("error", THRESHOLD_CODE)
    assert f.line == base[: base.index('<PlayerStat stat="Life"')].count("\n") + 1
    assert f.message == "Life changed by -70 since HEAD (3132.0 -> 3062.0); --fail-on Life<-20"
    [w] = outcome_findings(path, doc, BaselineOutcome("HEAD", error="HEAD:b.pob: no such path"), [])
    assert (w.severity, w.code, w.line) == ("warning", UNAVAILABLE_CODE, 3)
    lines = text_lines({path: outcome})
    assert lines[0] == "b.pob: vs HEAD: 2 stats changed"
    assert lines[1] == "  Life: 3,132 -> 3,062 (-70, -2.2%)"


def test_option_combinations_are_usage_errors(tmp_path: Path) -> None:
    for args in (["--fail-on", "Life<-1"], ["--baseline", "HEAD", "--no-engine"]):
        proc = subprocess.run(
            [*CLI, "check", str(tmp_path), *args], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith("pob-ls: error: --")


# -- real runs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, shared_builds: Path) -> Repo:
    """b.pob: Hatred one level lower than at HEAD; broken.pob: HEAD holds a build PoB cannot load."""
    engine_or_skip("2.63.0")
    r = Repo(tmp_path_factory.mktemp("checkrepo"))
    base = edits.base_text(shared_builds)
    r.commit(
        {"b.pob": base, "broken.pob": (shared_builds / edits.FAILS_ON_263).read_text(encoding="utf-8")},
        "base",
    )
    (r.root / "b.pob").write_text(edits.gem_level(base), encoding="utf-8")
    (r.root / "broken.pob").write_text(base, encoding="utf-8")
    return r


def check(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "check", *args], cwd=repo.root, capture_output=True, text=True, timeout=300, check=False
    )


def test_json_deltas_thresholds_and_a_baseline_that_fails(repo: Repo) -> None:
    proc = check(
        repo,
        "b.pob",
        "broken.pob",
        "--baseline",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "CombinedDPS<-0.5%",
        "--fail-on",
        "Life<-1",
    )
    assert proc.returncode == 2, proc.stderr
    out = json.loads(proc.stdout)
    builds = out["baseline"]["builds"]
    assert out["baseline"]["rev"] == "HEAD" and out["baseline"]["thresholds"] == [
        "CombinedDPS<-0.5%",
        "Life<-1",
    ]
    deltas = {d["stat"]: d for d in builds["b.pob"]["stats"]}
    assert deltas["CombinedDPS"]["delta"] == deltas["CombinedDPS"]["new"] - deltas["CombinedDPS"]["old"] < 0
    assert "Life" not in deltas  # Hatred's level does not change life
    assert (
        builds["broken.pob"]["error"].startswith("HEAD:broken.pob: ") and builds["broken.pob"]["stats"] == []
    )
    crossed = [f for f in out["findings"] if f["code"] == THRESHOLD_CODE]
    assert [(f["file"], f["message"].split(" ")[0]) for f in crossed] == [("b.pob", "CombinedDPS")]
    unavailable = [f for f in out["findings"] if f["code"] == UNAVAILABLE_CODE]
    assert [f["file"] for f in unavailable] == ["broken.pob"]


def test_sarif_and_text_carry_the_deltas(repo: Repo) -> None:
    sarif = check(repo, "b.pob", "--baseline", "HEAD", "--format", "sarif")
    assert sarif.returncode == 1, sarif.stderr  # 067 has warnings of its own; no threshold given
    run = json.loads(sarif.stdout)["runs"][0]
    stats = run["properties"]["baseline"]["builds"]["b.pob"]["stats"]
    assert any(s["stat"] == "CombinedDPS" for s in stats)
    text = check(repo, "b.pob", "--baseline", "HEAD", "--fail-on", "CombinedDPS<-90%")
    assert text.returncode == 1, text.stderr  # the threshold is not crossed
    lines = text.stdout.splitlines()
    start = lines.index(f"b.pob: vs HEAD: {len(stats)} stats changed")
    assert any(line.startswith("  CombinedDPS: ") and line.endswith("%)") for line in lines[start:])


def test_unknown_stat_is_a_usage_error(repo: Repo) -> None:
    proc = check(repo, "b.pob", "--baseline", "HEAD", "--fail-on", "CombinedDPZ<-5%")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "pob-ls: error: --fail-on: unknown stat CombinedDPZ (names are PoB's saved <PlayerStat>/<MinionStat> "
        "names, e.g. CombinedDPS, Life, TotalEHP)"
    ]
