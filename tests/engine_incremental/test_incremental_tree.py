"""Passive tree edits: the allocation fast path ("tree-alloc") and its fall-back (the whole import, "tree").

Each case edits the active <Spec>'s `nodes` (or `masteryEffects`) of a real build, asserts the update
path taken, and compares with the same text loaded into a fresh build object: every output key, and the
passive spec's own state (allocation, node texts after timeless jewel conquests and mastery choices,
paths, dependencies, counts), which later edits and what-ifs build on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.host.incremental import update_build

from .conftest import BUILD_FILES, build_text, differences

pytestmark = pytest.mark.engine

TRICKSTER = "067-exsanguinate-trickster-3-28.xml"  # Lethal Pride, cluster jewels, no leap-like jewel
GUARDIAN = "065-dominating-blow-of-inspiring-guardian-3-28.xml"  # Elegant Hubris, clusters, Impossible Escape

# Node ids of the loaded build chosen by a rule (sorted, so the pick is stable).
PICK_LUA = """
local api = ...
return function(id, rule)
    local spec = api.settled(id).spec  -- reads paths and dependents
    local ids = {}
    for nid in pairs(spec.nodes) do ids[#ids + 1] = nid end
    table.sort(ids)
    local out = {}
    local function main(n) return spec.tree.nodes[n.id] ~= nil end
    local function plain(n)
        return (n.type == "Normal" or n.type == "Notable") and not n.ascendancyName
            and not n.isJewelSocket and not n.expansionJewel
    end
    for _, nid in ipairs(ids) do
        local n = spec.nodes[nid]
        local ok
        if rule == "connected" then
            ok = not n.alloc and plain(n) and main(n) and n.pathDist == 1 and #n.intuitiveLeapLikesAffecting == 0
        elseif rule == "unconnected" then
            ok = not n.alloc and plain(n) and main(n) and n.pathDist >= 4 and n.pathDist < 1000
        elseif rule == "leaf" then
            ok = n.alloc and plain(n) and main(n) and #n.depends == 1 and not n.conqueredBy
        elseif rule == "depended" then
            ok = n.alloc and plain(n) and main(n) and #n.depends >= 4
        elseif rule == "cluster-leaf" then
            ok = n.alloc and not main(n) and n.type ~= "Socket" and not n.expansionJewel and #n.depends == 1
        elseif rule == "cluster-socket" then
            local item = spec.jewels[nid] and spec.build.itemsTab.items[spec.jewels[nid]]
            ok = n.alloc and main(n) and item and item.clusterJewel and #n.depends > 1
        elseif rule == "conquered-leaf" then
            ok = n.alloc and plain(n) and main(n) and #n.depends == 1 and n.conqueredBy ~= nil
        elseif rule == "timeless-socket" then
            local item = spec.jewels[nid] and spec.build.itemsTab.items[spec.jewels[nid]]
            ok = n.alloc and item and item.baseName == "Timeless Jewel"
        elseif rule == "mastery" then
            ok = n.alloc and n.type == "Mastery" and spec.masterySelections[nid] ~= nil
        end
        if ok then out[#out + 1] = nid end
    end
    return out
end
"""

# The spec's state, one line per node in id order. `settled`: all of it, as what-ifs and later edits
# read it (pending GUI-only work done first); else only what the MAIN pass reads, which a tree edit
# must leave exact before anything is settled.
STATE_LUA = """
local api = ...
return function(id, settled)
    local spec = (settled and api.settled(id) or api.get(id)).spec
    local ids = {}
    for nid in pairs(spec.nodes) do ids[#ids + 1] = nid end
    table.sort(ids)
    local out = {}
    for _, nid in ipairs(ids) do
        local n = spec.nodes[nid]
        local line = { nid, tostring(n.alloc == true), tostring(n.dn),
            table.concat(n.sd or {}, "/"), tostring(n.modKey), tostring(n.modList and #n.modList),
            tostring(n.allMasteryOptions), tostring(n.conqueredBy and n.conqueredBy.id),
            tostring(n.distanceToClassStart) }
        if settled then
            local deps = {}
            for _, d in ipairs(n.depends or {}) do deps[#deps + 1] = d.id end
            table.sort(deps)
            for _, v in ipairs({ tostring(n.pathDist), tostring(n.path and #n.path), table.concat(deps, ","),
                tostring(#n.intuitiveLeapLikesAffecting) }) do
                line[#line + 1] = v
            end
        end
        out[#out + 1] = table.concat(line, " | ")
    end
    local allocated = {}
    for nid in pairs(spec.allocNodes) do allocated[#allocated + 1] = nid end
    table.sort(allocated)
    local ms, ext = {}, {}
    for k, v in pairs(spec.masterySelections) do ms[#ms + 1] = k .. "=" .. v end
    for _, v in ipairs(spec.allocExtendedNodes) do ext[#ext + 1] = v end
    table.sort(ms)
    table.sort(ext)
    out[#out + 1] = "allocNodes " .. table.concat(allocated, ",")
    out[#out + 1] = "masterySelections " .. table.concat(ms, ",")
    out[#out + 1] = "allocExtendedNodes " .. table.concat(ext, ",")
    local counts = {}
    for _, k in ipairs({ "allocatedMasteryCount", "allocatedMasteryTypeCount", "allocatedNotableCount",
        "allocatedKeystoneCount" }) do
        counts[#counts + 1] = tostring(spec[k])
    end
    for _, t in ipairs({ spec.allocatedMasteryTypes or {}, spec.allocatedTattooTypes or {} }) do
        local names = {}
        for k, v in pairs(t) do names[#names + 1] = k .. "=" .. v end
        table.sort(names)
        counts[#counts + 1] = table.concat(names, ",")
    end
    out[#out + 1] = "counts " .. table.concat(counts, " ")
    return table.concat(out, "\\n")
end
"""


@pytest.fixture(scope="module")
def lua(host: PobHost) -> dict[str, Any]:
    return {
        name: host.lua.execute(code, host._api) for name, code in (("pick", PICK_LUA), ("state", STATE_LUA))
    }


def _spec_state(lua: dict[str, Any], handle: int, settled: bool = True) -> list[str]:
    raw = lua["state"](handle, settled)
    return (raw.decode() if isinstance(raw, bytes) else str(raw)).splitlines()


def _picks(host: PobHost, lua: dict[str, Any], text: str, rule: str) -> list[int]:
    handle = host.load_build(text)
    try:
        table = lua["pick"](handle, rule.encode())
        ids = [int(table[i]) for i in range(1, len(table) + 1)]
    finally:
        host.free(handle)
    if not ids:
        pytest.skip(f"no node for rule {rule!r}")
    return ids


def _nodes_span(text: str) -> re.Match[str]:
    m = re.search(r'<Spec [^>]*?\bnodes="([\d,]*)"', text)
    assert m
    return m


def _with_nodes(text: str, change: Callable[[list[str]], list[str]]) -> str:
    m = _nodes_span(text)
    new = text[: m.start(1)] + ",".join(change(m.group(1).split(","))) + text[m.end(1) :]
    assert new != text
    return new


def _add(text: str, node: int) -> str:
    return _with_nodes(text, lambda ids: [*ids, str(node)])


def _remove(text: str, node: int) -> str:
    return _with_nodes(text, lambda ids: [i for i in ids if i != str(node)])


def _check(host: PobHost, lua: dict[str, Any], old: str, new: str) -> str:
    """Update a build loaded from `old` to `new`; assert it equals a fresh load; return the kind."""
    handle = update_build(host, host.load_build(old), old, new)
    ref = host.load_build(new)
    try:
        assert differences(host.result(handle.handle), host.result(ref)) == []
        for settled in (False, True):  # what the MAIN pass reads is exact before anything is settled
            mine, theirs = _spec_state(lua, handle.handle, settled), _spec_state(lua, ref, settled)
            assert len(mine) == len(theirs)
            assert [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b][:4] == []
    finally:
        host.free(ref)
        host.free(handle.handle)
    return handle.kind


Edit = Callable[[str, int], str]
CASES: dict[str, tuple[str, str, Edit, str]] = {
    # name: (build, pick rule, edit, kind taken)
    "add a connected node": (TRICKSTER, "connected", _add, "incremental:tree-alloc"),
    "remove a leaf node": (TRICKSTER, "leaf", _remove, "incremental:tree-alloc"),
    "remove a node others depend on (PoB prunes them)": (
        TRICKSTER,
        "depended",
        _remove,
        "incremental:tree-alloc",
    ),
    "add an unconnected node (PoB prunes it)": (TRICKSTER, "unconnected", _add, "incremental:tree-alloc"),
    "remove a cluster jewel node": (TRICKSTER, "cluster-leaf", _remove, "incremental:tree-alloc"),
    "remove a cluster jewel socket": (TRICKSTER, "cluster-socket", _remove, "incremental:tree-alloc"),
    "remove a node a timeless jewel conquers": (
        TRICKSTER,
        "conquered-leaf",
        _remove,
        "incremental:tree-alloc",
    ),
    "remove the timeless jewel socket": (TRICKSTER, "timeless-socket", _remove, "incremental:tree-alloc"),
    "remove a mastery (its effect stays listed)": (TRICKSTER, "mastery", _remove, "incremental:tree-alloc"),
    "065: add a connected node": (GUARDIAN, "connected", _add, "incremental:tree-alloc"),
    "065: remove a leaf node": (GUARDIAN, "leaf", _remove, "incremental:tree-alloc"),
    "065: remove a cluster jewel node": (GUARDIAN, "cluster-leaf", _remove, "incremental:tree-alloc"),
    "065: remove a node the timeless jewel conquers": (
        GUARDIAN,
        "conquered-leaf",
        _remove,
        "incremental:tree-alloc",
    ),
    # Impossible Escape keeps unconnected nodes in its radius: pruning depends on the order PoB
    # visits nodes in, which the fast path reproduces.
    "065: remove a node others depend on": (GUARDIAN, "depended", _remove, "incremental:tree-alloc"),
    "065: add an unconnected node": (GUARDIAN, "unconnected", _add, "incremental:tree-alloc"),
    "065: remove a cluster jewel socket": (GUARDIAN, "cluster-socket", _remove, "incremental:tree-alloc"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tree_edit(host: PobHost, lua: dict[str, Any], case: str) -> None:
    build, rule, edit, kind = CASES[case]
    text = build_text(build)
    node = _picks(host, lua, text, rule)[0]
    assert _check(host, lua, text, edit(text, node)) == kind


def test_several_nodes_at_once(host: PobHost, lua: dict[str, Any]) -> None:
    text = build_text(TRICKSTER)
    leaves = _picks(host, lua, text, "leaf")[:3]
    new = _add(
        _with_nodes(text, lambda ids: [i for i in ids if int(i) not in leaves]),
        _picks(host, lua, text, "connected")[0],
    )
    assert _check(host, lua, text, new) == "incremental:tree-alloc"


def test_mastery_effect_changed(host: PobHost, lua: dict[str, Any]) -> None:
    text = build_text(TRICKSTER)
    m = re.search(r'masteryEffects="\{(\d+),(\d+)\}', text)
    assert m
    # Another effect of the same mastery, from the tree data the engine loaded.
    handle = host.load_build(text)
    try:
        effects = host.lua.execute(
            "local api, id, mastery = ... local out = {} "
            "for _, e in ipairs(api.get(id).spec.nodes[mastery].masteryEffects) do out[#out + 1] = e.effect end "
            "return out",
            host._api,
            handle,
            int(m.group(1)),
        )
        choices = [int(effects[i]) for i in range(1, len(effects) + 1)]
    finally:
        host.free(handle)
    other = next(e for e in choices if e != int(m.group(2)))
    new = text[: m.start(2)] + str(other) + text[m.end(2) :]
    assert _check(host, lua, text, new) == "incremental:tree-alloc"


def test_edits_in_sequence_stay_equal(host: PobHost, lua: dict[str, Any]) -> None:
    """Each in-place update starts from the state the previous one left (stale lists would show here)."""
    text = build_text(TRICKSTER)
    cluster = _picks(host, lua, text, "cluster-leaf")[0]
    leaf = _picks(host, lua, text, "leaf")[0]
    socket = _picks(host, lua, text, "cluster-socket")[0]
    texts = [text, _remove(text, cluster), _remove(_remove(text, cluster), leaf), _remove(text, socket), text]
    handle = host.load_build(texts[0])
    try:
        for old, new in pairwise(texts):  # nothing settled in between
            out = update_build(host, handle, old, new)
            handle = out.handle
            ref = host.load_build(new)
            try:
                assert out.kind == "incremental:tree-alloc"
                assert differences(host.result(handle), host.result(ref)) == []
                assert _spec_state(lua, handle, False) == _spec_state(lua, ref, False)
                if new is texts[-1]:
                    assert _spec_state(lua, handle) == _spec_state(lua, ref)
            finally:
                host.free(ref)
    finally:
        host.free(handle)


def test_declined_fast_path_reloads(host: PobHost, lua: dict[str, Any]) -> None:
    """When the fast path cannot show its result equal (here: a spec carrying character-import
    jewel data, which BuildClusterJewelGraphs would use), the document is reloaded."""
    text = build_text(TRICKSTER)
    new = _remove(text, _picks(host, lua, text, "cluster-leaf")[0])
    handle = host.load_build(text)
    host.lua.execute("local api, id = ... api.get(id).spec.jewel_data = {}", host._api, handle)
    out = update_build(host, handle, text, new)
    ref = host.load_build(new)
    try:
        assert out.kind == "reload" and out.handle != handle
        assert differences(host.result(out.handle), host.result(ref)) == []
        assert _spec_state(lua, out.handle) == _spec_state(lua, ref)
    finally:
        host.free(ref)
        host.free(out.handle)


def test_failing_restricted_passes_run_over_the_whole_tree(host: PobHost, lua: dict[str, Any]) -> None:
    """PoB code that fails on the restricted node set (here a test hook: ReplaceNode refuses any
    node table but the spec's own) leaves the passes to run over the whole tree."""
    text = build_text(TRICKSTER)
    new = _remove(text, _picks(host, lua, text, "depended")[0])
    handle = host.load_build(text)
    host.lua.execute(
        "local api, id = ... local spec = api.get(id).spec local full = spec.nodes "
        "local class = getmetatable(spec) "
        "rawset(spec, 'ReplaceNode', function(self, ...) "
        "  if self.nodes ~= full then error('restricted') end return class.ReplaceNode(self, ...) end)",
        host._api,
        handle,
    )
    out = update_build(host, handle, text, new)
    ref = host.load_build(new)
    try:
        assert out.kind == "incremental:tree-alloc-full"
        assert differences(host.result(out.handle), host.result(ref)) == []
        assert _spec_state(lua, out.handle) == _spec_state(lua, ref)
    finally:
        host.free(ref)
        host.free(out.handle)


def test_jewels_over_their_limit_are_seen_as_an_import_sees_them(host: PobHost, lua: dict[str, Any]) -> None:
    """CalcSetup marks jewels over their limit (limitDisabled), which BuildAllDependsAndPaths reads; an
    import's passes run before any calculation, so a tree edit's passes must not see the mark."""
    text = build_text(GUARDIAN)  # Impossible Escape: a leap-like jewel the mark would switch off
    new = _add(text, _picks(host, lua, text, "connected")[0])
    handle = host.load_build(text)
    host.lua.execute(
        "local api, id = ... local spec = api.get(id).spec "
        "for _, itemId in pairs(spec.jewels) do local item = spec.build.itemsTab.items[itemId] "
        "  if item and item.jewelData then item.jewelData.limitDisabled = true end end",
        host._api,
        handle,
    )
    assert _check(host, lua, text, new) == "incremental:tree-alloc"
    host.free(handle)


def test_what_if_after_a_tree_edit_equals_a_fresh_load(host: PobHost, lua: dict[str, Any]) -> None:
    """What-ifs read the paths and dependents a tree edit leaves to be settled."""
    text = build_text(TRICKSTER)
    new = _remove(text, _picks(host, lua, text, "leaf")[0])
    depended = _picks(host, lua, new, "depended")[0]
    out = update_build(host, host.load_build(text), text, new)
    ref = host.load_build(new)
    try:
        mine = host.call("whatif", "toggleNode", out.handle, depended)
        theirs = host.call("whatif", "toggleNode", ref, depended)
        assert mine == theirs
        assert mine["lines"] and mine["path"]["lines"]  # the node's own and its dependents' compares
    finally:
        host.free(ref)
        host.free(out.handle)


tree_step = st.tuples(st.sampled_from(["remove", "remove", "add"]), st.integers(0, 10_000))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(build=st.sampled_from(BUILD_FILES), steps=st.lists(tree_step, min_size=1, max_size=3))
def test_random_tree_edits_leave_the_spec_a_fresh_import_leaves(
    host: PobHost, lua: dict[str, Any], build: str, steps: list[tuple[str, int]]
) -> None:
    """Random node removals (PoB may prune what they disconnect) and additions (of nodes other builds
    allocate: connected or not), in sequence without settling: the result and what the MAIN pass reads
    equal a fresh import after every step, and everything does once settled."""
    text = build_text(build)
    pool = sorted({int(i) for name in BUILD_FILES for i in _nodes_span(build_text(name)).group(1).split(",")})
    handle = host.load_build(text)
    try:
        for i, (op, k) in enumerate(steps):
            ids = _nodes_span(text).group(1).split(",")
            if op == "add" and str(pool[k % len(pool)]) in ids:
                continue
            new = _remove(text, int(ids[k % len(ids)])) if op == "remove" else _add(text, pool[k % len(pool)])
            out = update_build(host, handle, text, new)
            handle, text = out.handle, new
            ref = host.load_build(text)
            try:
                assert out.kind == "incremental:tree-alloc"
                assert differences(host.result(handle), host.result(ref)) == []
                assert _spec_state(lua, handle, False) == _spec_state(lua, ref, False)
                if i == len(steps) - 1:
                    assert _spec_state(lua, handle) == _spec_state(lua, ref)
            finally:
                host.free(ref)
    finally:
        host.free(handle)
