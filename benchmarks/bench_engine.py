"""Engine host figures: boot, first and steady load, recalculation, memory, per build.

Not a test: prints a table. Run: .venv/bin/python benchmarks/bench_engine.py [--engine X] [BUILD ...]
(default builds: the 2.63.0 oracle builds in ../shared/builds). With --compare-jit, a second host with
LuaJIT's default JIT limits runs the same recalculations in the same process, side by side.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.provisioning.discovery import find_engine

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BUILDS = [
    "065-dominating-blow-of-inspiring-guardian-3-28.xml",
    "067-exsanguinate-trickster-3-28.xml",
    "070-kinetic-fusillade-hierophant-3-28.xml",
    "073-kinetic-fusillade-hierophant-3-28.xml",
    "076-blade-vortex-chieftain-3-28.xml",
]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("builds", nargs="*")
    parser.add_argument("--engine")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare-jit", action="store_true")
    args = parser.parse_args()
    builds = [Path(b) for b in args.builds] or [REPO.parent / "shared" / "builds" / b for b in DEFAULT_BUILDS]
    engine = find_engine(args.engine)
    rss0 = rss_mb()
    host = PobHost(engine)
    print(f"PoB {engine.version} at {engine.root}")
    boot_ms = host.boot.boot_seconds * 1000
    print(f"boot: {boot_ms:.0f} ms; RSS after boot {rss_mb():.0f} MB (process start {rss0:.0f} MB)")
    default_jit = PobHost(engine, jit_options=()) if args.compare_jit else None
    header = f"{'build':<46} {'first':>7} {'steady':>7} {'recalc':>7} {'result':>7} {'+RSS':>6} {'Lua MB':>7}"
    if default_jit:
        header += f" {'recalc@defaultJIT':>18} {'ratio':>6}"
    print(header)
    handles = []
    for build in builds:
        xml = build.read_text(encoding="utf-8")
        before = rss_mb()
        t = time.perf_counter()
        handle = host.load_build(xml)
        first = (time.perf_counter() - t) * 1000
        handles.append(handle)
        steady = statistics.median(
            timed(lambda xml=xml: host.free(host.load_build(xml)), max(3, args.repeat // 2))
        )
        recalc = statistics.median(timed(lambda handle=handle: host.recalc(handle), args.repeat))
        result = statistics.median(timed(lambda handle=handle: host.result(handle), args.repeat))
        host.collect_garbage()
        line = (
            f"{build.name[:46]:<46} {first:7.0f} {steady:7.0f} {recalc:7.0f} {result:7.1f}"
            f" {rss_mb() - before:6.0f} {host.memory_used() / 2**20:7.0f}"
        )
        if default_jit:
            h2 = default_jit.load_build(xml)
            slow = statistics.median(timed(lambda h2=h2: default_jit.recalc(h2), args.repeat))
            default_jit.free(h2)
            line += f" {slow:18.0f} {slow / recalc:6.2f}"
        print(line)
    print(f"RSS with {len(handles)} builds open: {rss_mb():.0f} MB; peak RSS {peak_rss_mb():.0f} MB")
    print("times in ms (medians); first = first load in this process (tree version cold for the first build)")
    for handle in handles:
        host.free(handle)
    memory_per_build(host, builds)
    return 0


def memory_per_build(host: PobHost, builds: list[Path]) -> None:
    """What each extra open build costs, once the garbage of loading it is collected (and, on glibc,
    the freed heap handed back): the builds are opened one after another in the warm host."""
    host.collect_garbage()
    rss, lua = rss_mb(), host.memory_used() / 2**20
    print(f"memory per extra open build, after a full collection (start: RSS {rss:.0f} MB, Lua {lua:.0f} MB)")
    for build in builds:
        host.load_build(build.read_text(encoding="utf-8"))
        host.collect_garbage()
        host.collect_garbage()  # a second cycle frees what finalizers of the first released
        rss2, lua2 = rss_mb(), host.memory_used() / 2**20
        print(f"  + {build.name[:44]:<44} RSS {rss2 - rss:+6.1f} MB   Lua heap {lua2 - lua:+6.1f} MB")
        rss, lua = rss2, lua2


if __name__ == "__main__":
    sys.exit(main())
