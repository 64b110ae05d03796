"""The translating loader's cost: a stand-in PoB in LuaJIT's 2026 syntax booted cold, warm, and plain 2.63.0.

Not a test: prints a table. Run: .venv/bin/python benchmarks/bench_translate.py [--reps N] [--engine X]
The stand-in is made by scripts/make_standin.py from the installed 2.63.0 in a tmp dir. Each run is a
fresh process: boot (Launch.lua and its modules), then the first load of one build (which loads the
calculation modules), so every rewritten module PoB uses is compiled. The three ways:
  cold   the stand-in with an empty translation cache (everything PoB loads is translated);
  warm   the stand-in with the cache the cold run filled (no translation);
  plain  the unmodified 2.63.0 (its chunks compile as they are; the translator is never called).
Target: warm <= 1.05x plain.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO.parent / "shared" / "builds" / "065-dominating-blow-of-inspiring-guardian-3-28.xml"


def child(engine: str, cache: str, build: str) -> None:
    from pob_ls.engine.host import PobHost
    from pob_ls.engine.provisioning import find_engine

    start, cpu0 = time.perf_counter(), time.process_time()
    host = PobHost(find_engine(engine), cache_dir=Path(cache))
    host.result(host.load_build(Path(build).read_text(encoding="utf-8")))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    print(json.dumps({"wall": wall, "cpu": cpu, "boot": host.boot.boot_seconds, **host.translation_stats()}))


def run(engine: Path, cache: Path, build: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(engine), str(cache), str(build)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--engine", default="2.63.0", help="the installed 2.63.0 (version or folder)")
    ap.add_argument("--build", type=Path, default=BUILD)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0

    from pob_ls.engine.provisioning import find_engine

    plain = find_engine(args.engine).root
    spec = importlib.util.spec_from_file_location("make_standin", REPO / "scripts" / "make_standin.py")
    assert spec and spec.loader
    make = importlib.util.module_from_spec(spec)
    sys.modules["make_standin"] = make
    spec.loader.exec_module(make)

    work = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    try:
        standin = work / "standin"
        report = make.make_standin(plain, standin, hardlink=True)
        print(
            f"stand-in: {report.total} statements rewritten in {len(report.files)} files "
            f"({', '.join(f'{k} {v}' for k, v in sorted(report.per_operator.items()))}); "
            f"plain lupa rejects {report.rejected_by_plain_lupa} of them"
        )
        rows: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "plain": []}
        # unmeasured: fills the OS file cache and PoB's own cache
        run(plain, work / "plain-cache", args.build)
        for rep in range(args.reps):
            rows["plain"].append(run(plain, work / "plain-cache", args.build))
            cold_cache = work / f"standin-cache-{rep}"
            rows["cold"].append(run(standin, cold_cache, args.build))
            rows["warm"].append(run(standin, cold_cache, args.build))
        print(f"\n{'':6} {'CPU s':>7} {'wall s':>7} {'boot s':>7} {'translated':>10} {'cache hits':>10}")
        med: dict[str, float] = {}
        for name, runs in rows.items():
            med[name] = statistics.median(r["cpu"] for r in runs)
            wall = statistics.median(r["wall"] for r in runs)
            boot = statistics.median(r["boot"] for r in runs)
            print(
                f"{name:6} {med[name]:7.2f} {wall:7.2f} {boot:7.2f} {runs[0]['translated']:10.0f} "
                f"{runs[0]['cache_hits']:10.0f}"
            )
        print(
            f"(boot + first load of {args.build.name[:3]}; medians of {args.reps} fresh processes; CPU = user+sys)"
        )
        ratio = med["warm"] / med["plain"]
        print(
            f"\nwarm / plain = {ratio:.3f} CPU (target <= 1.05: {'met' if ratio <= 1.05 else 'NOT met'}); "
            f"cold costs {med['cold'] - med['plain']:+.2f} s CPU over plain, once per engine"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
