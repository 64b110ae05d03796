"""Incremental update cost against the bare MAIN-pass floor and a full reload (prints a table).

Run: .venv/bin/python benchmarks/bench_incremental.py [build.xml ...] [--reps N]
Wall-clock medians; the machine is noisy, so compare figures within one run only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "engine_incremental"))

from edits import EDITS, NODE_POOL  # noqa: E402

from pob_ls.engine.host import EngineFiles, PobHost  # noqa: E402
from pob_ls.engine.incremental import update_build  # noqa: E402

BUILDS = REPO.parent / "shared" / "builds"
DEFAULT = ("065", "067", "070", "073", "076")
KINDS = ("config_toggle", "gem_level", "item_line", "passive_remove", "character_level")

FLOOR_LUA = """
local api = ...
return function(id)
    local build = api.get(id)
    data.setJewelRadiiGlobally(build.spec.treeVersion)
    wipeGlobalCache()
    build.calcsTab.calcs.buildOutput(build, "MAIN")
end
"""


def _host() -> PobHost:
    try:
        from pob_ls.engine.discovery import find_engine

        files = find_engine()
    except Exception:
        root = Path("/tmp/pob/2.63.0")
        files = EngineFiles(root, root / "src", [root / "runtime/lua"], "2.63.0")  # type: ignore[assignment]
    return PobHost(files, cache_dir=Path("/tmp/pobcache-inc") / files.version)


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _bench_edit(host: PobHost, handle: int, text: str, edited: str, reps: int) -> tuple[float, set[str], int]:
    """Median of update + recalc, alternating text and edit so every repetition is a real change."""
    texts, state, kinds = [text, edited], {"i": 0, "h": handle}, set()

    def step() -> None:
        old, new = texts[state["i"] % 2], texts[(state["i"] + 1) % 2]
        out = update_build(host, state["h"], old, new)
        state["h"], state["i"] = out.handle, state["i"] + 1
        kinds.add(out.kind)

    ms = _median_ms(step, reps * 2)
    if state["i"] % 2:  # back to the original text for the next kind
        step()
    return ms, kinds, state["h"]


def bench(host: PobHost, path: Path, reps: int) -> list[tuple[str, float, str]]:
    text = path.read_text(encoding="utf-8")
    floor_fn = host.lua.execute(FLOOR_LUA, host._api)
    handle = host.load_build(text)
    rows = [("floor (MAIN pass)", _median_ms(lambda: floor_fn(handle), reps), "")]

    def reload() -> None:
        host.free(host.load_build(text))

    rows.append(("full reload", _median_ms(reload, reps), "reload"))
    for name in KINDS:
        ms, kinds, handle = _bench_edit(host, handle, text, EDITS[name](text, 3, 4), reps)
        rows.append((name, ms, ",".join(sorted(kinds))))
    host.free(handle)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("builds", nargs="*", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    paths = args.builds or [next(BUILDS.glob(f"{p}-*.xml")) for p in DEFAULT]
    NODE_POOL[:] = [26725]
    host = _host()
    print(f"{'build':<42} {'measure':<20} {'median ms':>9} {'x floor':>8} {'x reload':>9}  kind")
    for path in paths:
        host.free(host.load_build(path.read_text(encoding="utf-8")))  # warm the tree and JIT
        rows = bench(host, path, args.reps)
        floor, full = rows[0][1], rows[1][1]
        for name, ms, kind in rows:
            print(f"{path.stem[:42]:<42} {name:<20} {ms:9.1f} {ms / floor:8.2f} {ms / full:9.2f}  {kind}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
