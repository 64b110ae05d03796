"""Every 'reproduced exactly' build gives all its saved stats, in two separate processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import engine_or_skip
from tests.engine.oracle import close, oracle_builds, saved_stats

PROBE = Path(__file__).with_name("stats_probe.py")

pytestmark = pytest.mark.engine


def _run_probes(
    engine: str, builds: list[Path], processes: int
) -> list[dict[str, dict[str, list[list[str]]]]]:
    procs = [
        subprocess.Popen(
            [sys.executable, str(PROBE), engine, *map(str, builds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-2000:]
        outs.append(json.loads(stdout))
    return outs


@pytest.mark.parametrize("version", ["2.63.0", "2.55.5"])
def test_saved_stats_reproduced_in_two_processes(version: str, shared_builds: Path) -> None:
    layout = engine_or_skip(version)
    builds = oracle_builds(shared_builds).get(version, [])
    if not builds:
        pytest.skip(f"no oracle build for {version}")
    results = _run_probes(str(layout.root), builds, processes=2)
    checked = 0
    for build in builds:
        saved = saved_stats(build.read_text(encoding="utf-8"))
        assert saved["PlayerStat"], build.name
        for result in results:
            got = result[str(build)]
            assert "error" not in got, f"{build.name}: {got.get('error')}"
            for tag, key in (("PlayerStat", "player"), ("MinionStat", "minion")):
                values = {k: float(v) for k, v in got[key]}
                for stat, expected in saved[tag].items():
                    assert stat in values, f"{build.name}: {stat} missing"
                    assert close(expected, values[stat]), f"{build.name}: {stat} {expected} != {values[stat]}"
                    checked += 1
    assert checked > 50 * len(builds)
