"""Incremental update cost against the bare MAIN-pass floor and a full reload (prints a table).

Run: .venv/bin/python benchmarks/bench_incremental.py [build.xml ...] [--reps N] [--breakdown]
passive_add allocates a node next to the tree, passive_unconnected one PoB prunes.
Wall-clock medians. Each edit's floor is sampled in turn with the edit itself (floor, edit, floor,
edit ...), and the full reload's with the reload, so each ratio compares runs on the same machine
state: x floor = edit / its floor; x reload = (edit / its floor) / (reload / its floor).
Compare figures within one run.
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

from pob_ls.engine.host.host import EngineFiles, PobHost  # noqa: E402
from pob_ls.engine.host.incremental import plan_update, update_build  # noqa: E402

BUILDS = REPO.parent / "shared" / "builds"
DEFAULT = ("065", "067", "070", "073", "076")
KINDS = ("config_toggle", "gem_level", "item_line", "passive_remove", "passive_add", "character_level")

# First unallocated, ordinary node one step from the allocated tree (sorted ids: stable), and one
# four or more steps away (PoB prunes it).
PICK_LUA = """
local api = ...
return function(id, far)
    local spec = api.settled(id).spec  -- reads paths and dependents
    local ids = {}
    for nid in pairs(spec.nodes) do ids[#ids + 1] = nid end
    table.sort(ids)
    for _, nid in ipairs(ids) do
        local n = spec.nodes[nid]
        if not n.alloc and n.type == "Normal" and not n.ascendancyName and spec.tree.nodes[nid]
            and #n.intuitiveLeapLikesAffecting == 0
            and (far and n.pathDist >= 4 and n.pathDist < 1000 or not far and n.pathDist == 1) then
            return nid
        end
    end
end
"""

# The work a tree edit leaves for the first reader of paths and dependents (a node what-if).
SETTLE_LUA = """
local api = ...
return function(id) api.settled(id) end
"""

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
        from pob_ls.engine.provisioning.discovery import find_engine

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


def _bench_edit(
    host: PobHost, floor: Callable[[], object], handle: int, text: str, edited: str, reps: int
) -> tuple[float, float, set[str], int]:
    """Medians of update + recalc and of the floor, sampled in turn (floor, edit, floor, edit ...)
    so both see the same machine and garbage collector; the edit alternates text and edited text
    so every repetition is a real change."""
    texts, state, kinds = [text, edited], {"i": 0, "h": handle}, set()

    def step() -> None:
        old, new = texts[state["i"] % 2], texts[(state["i"] + 1) % 2]
        out = update_build(host, state["h"], old, new)
        state["h"], state["i"] = out.handle, state["i"] + 1
        kinds.add(out.kind)

    edit_ms, floor_ms = [], []
    for _ in range(reps * 2):
        floor_ms.append(_median_ms(lambda: floor(state["h"]), 1))
        edit_ms.append(_median_ms(step, 1))
    if state["i"] % 2:  # back to the original text for the next kind
        step()
    return statistics.median(edit_ms), statistics.median(floor_ms), kinds, state["h"]


def bench(host: PobHost, path: Path, reps: int) -> list[tuple[str, float, float, str]]:
    """Rows of (measure, median ms, floor median ms sampled alongside it, kind taken)."""
    text = path.read_text(encoding="utf-8")
    floor_fn = host.lua.execute(FLOOR_LUA, host._api)
    handle = host.load_build(text)
    floor = _median_ms(lambda: floor_fn(handle), reps)
    rows = [("floor (MAIN pass)", floor, floor, "")]

    def reload() -> None:
        host.free(host.load_build(text))

    reload_ms, floor_ms = [], []
    for _ in range(reps):
        floor_ms.append(_median_ms(lambda: floor_fn(handle), 1))
        reload_ms.append(_median_ms(reload, 1))
    rows.append(("full reload", statistics.median(reload_ms), statistics.median(floor_ms), "reload"))
    pick = host.lua.execute(PICK_LUA, host._api)
    edits = {name: EDITS[name](text, 3, 4) for name in KINDS}
    for name, far in (("passive_add", False), ("passive_unconnected", True)):
        node = pick(handle, far)
        edits[name] = EDITS["passive_add"](text, 0, 0) if node is None else _add_node(text, int(node))
    for name, edited in edits.items():
        ms, floor_ms, kinds, handle = _bench_edit(host, floor_fn, handle, text, edited, reps)
        rows.append((name, ms, floor_ms, ",".join(sorted(kinds))))
    host.free(handle)
    return rows


def _add_node(text: str, node: int) -> str:
    NODE_POOL[:] = [node]
    edited: str = EDITS["passive_add"](text, 0, 0)
    return edited


def breakdown(host: PobHost, path: Path, reps: int) -> None:
    """Where a tree edit's time goes: the Lua update, the MAIN pass, and the settling it defers."""
    text = path.read_text(encoding="utf-8")
    handle = host.load_build(text)
    settle = host.lua.execute(SETTLE_LUA, host._api)
    pick = host.lua.execute(PICK_LUA, host._api)
    edits = {"passive_remove": EDITS["passive_remove"](text, 3, 4)}
    for name, far in (("passive_add", False), ("passive_unconnected", True)):
        node = pick(handle, far)
        if node is not None:
            edits[name] = _add_node(text, int(node))
    for name, edited in edits.items():
        samples: list[tuple[float, float, float]] = []
        kinds = set()
        for i in range(reps * 2):
            old, new = (text, edited) if i % 2 == 0 else (edited, text)
            steps = plan_update(old, new)
            t0 = time.perf_counter()
            for step in steps:
                kinds.add(host.call(step.module, step.function, handle, *step.args))
            t1 = time.perf_counter()
            host.call("incremental", "recalcMain", handle)
            t2 = time.perf_counter()
            settle(handle)
            t3 = time.perf_counter()
            samples.append(((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000))
        upd, main, later = (statistics.median(s[k] for s in samples) for k in range(3))
        print(
            f"{path.stem[:42]:<42} {name:<20} update {upd:6.1f} ms  recalcMain {main:6.1f} ms  "
            f"(settled later: {later:6.1f} ms)  {','.join(sorted(map(str, kinds)))}"
        )
    host.free(handle)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("builds", nargs="*", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--breakdown", action="store_true", help="time the parts of tree edits instead")
    args = ap.parse_args()
    paths = args.builds or [next(BUILDS.glob(f"{p}-*.xml")) for p in DEFAULT]
    host = _host()
    if args.breakdown:
        for path in paths:
            host.free(host.load_build(path.read_text(encoding="utf-8")))
            breakdown(host, path, args.reps)
        return
    print(
        f"{'build':<42} {'measure':<20} {'median ms':>9} {'floor ms':>8} {'x floor':>8} {'x reload':>9}  kind"
    )
    for path in paths:
        host.free(host.load_build(path.read_text(encoding="utf-8")))  # warm the tree and JIT
        rows = bench(host, path, args.reps)
        reload_per_floor = rows[1][1] / rows[1][2]
        for name, ms, floor, kind in rows:
            print(
                f"{path.stem[:42]:<42} {name:<20} {ms:9.1f} {floor:8.1f} {ms / floor:8.2f} "
                f"{ms / floor / reload_per_floor:9.2f}  {kind}"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
