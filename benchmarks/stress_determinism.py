"""Determinism: every real build in ../shared/builds gives identical outputs in N separate processes.

Not a test (tests/engine/test_determinism.py runs a few processes in the normal run). Each process is
a fresh Python + LuaJIT state (own string-hash seed) running tests/engine/determinism_probe.py over all
builds, with its own cache folder; processes run 2 at a time. Prints, per build, how many distinct
output sets the N processes gave (1 = deterministic) and any differing keys.
  .venv/bin/python benchmarks/stress_determinism.py [--processes 20] [--parallel 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUILDS = REPO.parent / "shared" / "builds"
PROBE = REPO / "tests" / "engine" / "determinism_probe.py"
sys.path.insert(0, str(REPO))


def probe(engine: Any, cache: Path, builds: list[Path]) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(PROBE),
        str(engine.root),
        str(engine.script_dir),
        engine.version,
        str(cache),
        os.pathsep.join(str(d) for d in engine.lua_lib_dirs),
        *map(str, builds),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"probe failed: {proc.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def main() -> int:
    from pob_ls.engine.provisioning.discovery import find_engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    engine = find_engine()
    builds = sorted(BUILDS.glob("*.xml"))
    n = max(2, min(args.processes, 100))
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="pob-ls-determinism-") as tmp,
        ThreadPoolExecutor(max_workers=max(1, min(args.parallel, 4))) as pool,
    ):
        reports = list(pool.map(lambda i: probe(engine, Path(tmp) / f"cache{i}", builds), range(n)))
    print(
        f"determinism: PoB {engine.version}, {len(builds)} builds x {n} processes in "
        f"{time.perf_counter() - start:.0f} s"
    )
    bad = 0
    for build in builds:
        results = [r["builds"][build.name] for r in reports]
        distinct = {json.dumps(r, sort_keys=True) for r in results}
        what = "load error" if "error" in results[0] else f"{len(results[0]['output'])} outputs"
        print(f"  {build.name}: {len(distinct)} distinct result(s) over {n} processes ({what})")
        if len(distinct) > 1:
            bad += 1
            first = results[0].get("output", {})
            for other in results[1:]:
                diff = sorted(
                    k
                    for k in set(first) | set(other.get("output", {}))
                    if first.get(k) != other.get("output", {}).get(k)
                )
                if diff:
                    print(f"    differing keys: {diff[:10]}")
                    break
    print(f"determinism: {'IDENTICAL' if bad == 0 else f'{bad} build(s) DIFFER'}")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
