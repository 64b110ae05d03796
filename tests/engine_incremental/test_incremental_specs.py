"""Builds with several passive trees (leveling specs), on both pinned engines.

An edit to an inactive <Spec> loads that spec afresh without recalculating; an edit to the active one takes
the tree fast path. Both must leave the build object as a fresh load of the same text leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.host.incremental import update_build

from .conftest import build_text, differences

pytestmark = pytest.mark.engine

# Every spec's state, one line per spec: title, class, allocation, masteries, counts.
SPECS_LUA = """
local api = ...
return function(id)
    local build = api.settled(id)
    local out = {}
    for i, spec in ipairs(build.treeTab.specList) do
        local alloc, ms = {}, {}
        for nid in pairs(spec.allocNodes) do alloc[#alloc + 1] = nid end
        for k, v in pairs(spec.masterySelections) do ms[#ms + 1] = k .. "=" .. v end
        table.sort(alloc)
        table.sort(ms)
        out[#out + 1] = table.concat({ i, tostring(spec == build.spec), tostring(spec.title), tostring(spec.curClassId),
            tostring(spec.curAscendClassId), tostring(spec.treeVersion), table.concat(alloc, ","), table.concat(ms, ","),
            tostring(spec.allocatedNotableCount), tostring(spec.allocatedMasteryCount) }, " | ")
    end
    return table.concat(out, "\\n")
end
"""


def _host(version: str, tmp: Path) -> PobHost:
    from pob_ls.engine.provisioning.discovery import find_engine
    from pob_ls.engine.provisioning.layout import EngineNotFoundError

    try:
        files = find_engine(version)
    except EngineNotFoundError:
        pytest.skip(f"PoB {version} is not installed (`pob-ls engine install`)")
    return PobHost(files, cache_dir=tmp / version)


@pytest.fixture(
    scope="module",
    params=[
        ("2.55.5", "007-penance-brand-of-dissipation-inquisitor-3-26.xml"),
        ("2.63.0", "012-blade-blast-hierophant-3-13.xml"),
    ],
    ids=["2.55.5", "2.63.0"],
)
def engine_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PobHost, str]]:
    version, build = request.param
    host = _host(version, tmp_path_factory.mktemp("pobcache"))
    yield host, build_text(build)


def _edit_spec(text: str, which: int) -> str:
    """Drop the sixth node of the `which`-th <Spec> (1-based)."""
    m = list(re.finditer(r'<Spec [^>]*?\bnodes="([\d,]*)"', text))[which - 1]
    ids = m.group(1).split(",")
    del ids[5]
    return text[: m.start(1)] + ",".join(ids) + text[m.end(1) :]


def _check(host: PobHost, old: str, new: str) -> str:
    specs: Any = host.lua.execute(SPECS_LUA, host._api)
    out = update_build(host, host.load_build(old), old, new)
    ref = host.load_build(new)
    try:
        assert differences(host.result(out.handle), host.result(ref)) == []
        assert specs(out.handle) == specs(ref)
    finally:
        host.free(ref)
        host.free(out.handle)
    return out.kind


def test_inactive_spec_edit_loads_that_spec_afresh(engine_build: tuple[PobHost, str]) -> None:
    host, text = engine_build
    active = int(re.search(r'<Tree [^>]*activeSpec="(\d+)"', text).group(1))  # type: ignore[union-attr]
    inactive = 1 if active != 1 else 2
    assert _check(host, text, _edit_spec(text, inactive)) == "incremental:tree-spec"


def test_active_spec_edit_takes_the_tree_fast_path(engine_build: tuple[PobHost, str]) -> None:
    host, text = engine_build
    active = int(re.search(r'<Tree [^>]*activeSpec="(\d+)"', text).group(1))  # type: ignore[union-attr]
    assert _check(host, text, _edit_spec(text, active)) == "incremental:tree-alloc"
