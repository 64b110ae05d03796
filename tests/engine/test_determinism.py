"""The same build must give the same outputs in every process.

LuaJIT seeds string hashing per Lua state, so wherever PoB lets `pairs` order decide a result,
two processes can disagree (012: TotalDPS 144,642 or 203,218; 082: Armour 861 or 1,701).
`pob_ls/engine/host/lua/determinism.lua` pins those sources; these tests load every shared build
in several separate processes and compare all scalar outputs exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pob_ls.engine.provisioning.discovery import ENGINE_ENV, find_engine
from pob_ls.engine.provisioning.layout import EngineNotFoundError, detect_layout

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
BUILDS_DIR = REPO.parent / "shared" / "builds"
PROBE = Path(__file__).resolve().with_name("determinism_probe.py")
FALLBACK_ENGINE = Path("/tmp/pob/2.63.0")
# Builds known to change between processes without the pins; they get more processes.
KNOWN_UNSTABLE = ("012-blade-blast-hierophant-3-13.xml", "082-flammability-occultist.xml")
ALL_BUILD_PROCESSES = 3
EXTRA_UNSTABLE_PROCESSES = 3
WORKERS = 2
PROCESS_TIMEOUT = 600
# What the pins choose on PoB 2.63.0: the base Vaal Righteous Fire (not the transfigured
# variant) for 012, Molten Shell (first guard in the skill list) for 082.
EXPECTED_2_63 = {
    "012-blade-blast-hierophant-3-13.xml": ("TotalDPS", 203217.77183856853),
    "082-flammability-occultist.xml": ("Armour", 1701),
}


@dataclass(frozen=True)
class Engine:
    root: Path
    script_dir: Path
    lua_lib_dirs: Sequence[Path]
    version: str


@dataclass
class Runs:
    """What each probe process reported, per build: its outputs or its load error."""

    engine: Engine
    reports: list[dict[str, Any]]

    def of(self, build: str) -> list[dict[str, Any]]:
        return [r["builds"][build] for r in self.reports if build in r["builds"]]


def _find_engine() -> Engine:
    """$POB_LS_ENGINE or an installed engine (pob_ls discovery), else the PoB under /tmp/pob."""
    try:
        layout = find_engine()
    except EngineNotFoundError as exc:
        if os.environ.get(ENGINE_ENV) or not FALLBACK_ENGINE.is_dir():
            pytest.skip(f"no PoB engine: {exc}")
        try:
            layout = detect_layout(FALLBACK_ENGINE)
        except EngineNotFoundError as fallback_exc:
            pytest.skip(f"no PoB engine: {fallback_exc}")
    return Engine(layout.root, layout.script_dir, list(layout.lua_lib_dirs), layout.version)


def _build_files() -> list[str]:
    if not BUILDS_DIR.is_dir():
        return []
    return sorted(p.name for p in BUILDS_DIR.glob("*.xml"))


def _probe(engine: Engine, cache_dir: Path, builds: Sequence[str]) -> dict[str, Any]:
    """Run one fresh process (own Lua state, own hash seed) over `builds`."""
    cmd = [
        sys.executable,
        str(PROBE),
        str(engine.root),
        str(engine.script_dir),
        engine.version,
        str(cache_dir),
        os.pathsep.join(str(d) for d in engine.lua_lib_dirs),
        *(str(BUILDS_DIR / b) for b in builds),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, env=env, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"probe failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """All probe processes, run once for the module, two at a time.

    Each process gets its own cache folder: PoB writes timeless-jewel data there, and a
    half-written file read by a sibling process would look like non-determinism.
    """
    builds = _build_files()
    if not builds:
        pytest.skip(f"no shared builds in {BUILDS_DIR}")
    engine = _find_engine()
    unstable = [b for b in KNOWN_UNSTABLE if b in builds]
    jobs: list[list[str]] = [builds] * ALL_BUILD_PROCESSES
    if unstable:
        jobs += [unstable] * EXTRA_UNSTABLE_PROCESSES
    base = tmp_path_factory.mktemp("determinism")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(_probe, engine, base / f"cache{i}", job) for i, job in enumerate(jobs)]
        reports = [f.result() for f in futures]
    yield Runs(engine, reports)


def _assert_same(build: str, results: list[dict[str, Any]], minimum: int) -> None:
    assert len(results) >= minimum, f"{build}: only {len(results)} processes ran it"
    errors = {r.get("error") for r in results}
    if errors != {None}:
        if None in errors:
            pytest.fail(f"{build} loads in some processes and not in others: {errors}")
        pytest.skip(f"{build} does not load on this engine: {errors.pop()}")
    outputs = [r["output"] for r in results]
    first = outputs[0]
    for n, other in enumerate(outputs[1:], start=2):
        keys = sorted(set(first) | set(other))
        diff = {k: (first.get(k), other.get(k)) for k in keys if first.get(k) != other.get(k)}
        assert not diff, (
            f"{build}: process 1 and process {n} differ in {len(diff)} outputs: {dict(list(diff.items())[:10])}"
        )


@pytest.mark.parametrize("build", _build_files())
def test_build_outputs_equal_across_processes(runs: Runs, build: str) -> None:
    _assert_same(build, runs.of(build), ALL_BUILD_PROCESSES)


@pytest.mark.parametrize("build", KNOWN_UNSTABLE)
def test_known_unstable_builds_are_pinned(runs: Runs, build: str) -> None:
    if build not in _build_files():
        pytest.skip(f"{build} is not in {BUILDS_DIR}")
    results = runs.of(build)
    _assert_same(build, results, ALL_BUILD_PROCESSES + EXTRA_UNSTABLE_PROCESSES)
    expected = EXPECTED_2_63.get(build)
    if runs.engine.version == "2.63.0" and expected:
        key, value = expected
        assert float(results[0]["output"][key]) == pytest.approx(value, rel=1e-9)


def test_pins_are_found(runs: Runs) -> None:
    """Every pin must find its target; a PoB update that moves one should fail here, not silently."""
    for report in runs.reports:
        pinned = report["pinned"]
        assert pinned.get("gemVariants", 0) > 0, pinned
        assert pinned.get("buffOrder") == 1, pinned
        assert pinned.get("statOrder") == 1, pinned
        assert "gemIdLookup" in pinned, pinned
