"""The engine router on its own (no LSP): routes, and a stop in the middle of a boot leaves no process."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from pob_ls.document import parse_document
from pob_ls.engine.provisioning.layout import EngineLayout
from pob_ls.server.engine_router import EngineRouter, tree_versions
from tests.conftest import engine_or_skip
from tests.server.conftest import SMALL_BUILD

pytestmark = pytest.mark.engine


def _children_running(module: str) -> list[int]:
    """Pids of our child processes whose command line runs `module`."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me and module in cmdline:
            found.append(int(entry.name))
    return found


def _router() -> tuple[EngineRouter, list[tuple[str, str, str | None]], list[Any]]:
    states: list[tuple[str, str, str | None]] = []
    results: list[Any] = []
    router = EngineRouter(lambda s, m, e: states.append((s, m, e)), lambda *a: results.append(a))
    return router, states, results


def test_tree_versions_reads_every_spec_once() -> None:
    text = SMALL_BUILD.replace(
        '<Spec treeVersion="3_28"',
        '<Spec treeVersion="3_25" nodes=""/>\n\t\t<Spec treeVersion="3_28"/>\n\t\t<Spec treeVersion="3_28"',
    )
    assert tree_versions(parse_document(text)) == ["3_25", "3_28"]
    assert tree_versions(parse_document("<PathOfBuilding/>")) == []


async def test_a_stop_during_boot_leaves_no_zygote() -> None:
    engine_or_skip()
    router, states, _results = _router()
    start = asyncio.create_task(router.start(None, 0.0))
    await asyncio.sleep(0.5)  # discovery is done, the newest engine is booting
    await router.stop()
    with pytest.raises(asyncio.CancelledError):
        await start
    assert ("booting", "looking for PoB engines", None) in states
    await asyncio.sleep(0.2)
    assert _children_running("pob_ls.engine.service.zygote") == []


async def test_a_tree_no_engine_knows_boots_nothing_and_says_why() -> None:
    engine_or_skip()
    router, _states, _results = _router()
    try:
        assert await router.start(None, 0.0)
        uri = "file:///tmp/pob-ls-router/unknown.pob"
        doc = parse_document(SMALL_BUILD.replace('treeVersion="3_28"', 'treeVersion="3_99"'))
        assert router.update(uri, 1, doc) is True
        assert router.update(uri, 2, doc) is False  # same route: nothing changed
        problem = router.problem_for(uri)
        assert problem is not None and "tree 3_99" in problem and "engine install latest" in problem
        assert router.unknown_trees_for(uri) == ["3_99"]
        assert router.service_for(uri) is None and router.label_for(uri) is None
        assert router.builds() == [{"uri": uri, "engine": None}]
        assert len(router.links) == 1  # only the newest, booted at start

        fixed = parse_document(SMALL_BUILD)
        assert router.update(uri, 3, fixed) is True
        assert router.problem_for(uri) is None and router.label_for(uri) == f"PoB {router.engines[0].version}"
    finally:
        await router.stop()


async def test_an_engine_no_open_build_uses_is_stopped_after_a_while() -> None:
    older = engine_or_skip("2.55.5")
    newest = EngineLayout(
        Path("/nonexistent/pob-9.0.0"), Path("/nonexistent"), [], "9.0.0", tree_versions=["9_99"]
    )
    router, _states, results = _router()
    router.engines = [newest, older]  # as start() would find them; the newest is never needed here
    router.idle_seconds = 0.3
    uri = "file:///tmp/pob-ls-router/old-tree.pob"
    try:
        router.update(uri, 1, parse_document(SMALL_BUILD.replace('treeVersion="3_28"', 'treeVersion="3_26"')))
        assert router.label_for(uri) == "PoB 2.55.5"
        await asyncio.wait_for(_until(lambda: results), 300)  # booted on first use, then computed
        assert len(_children_running("pob_ls.engine.service.zygote")) == 1
        router.close(uri)
        await asyncio.wait_for(_until(lambda: not router.links), 60)
        await asyncio.wait_for(_until(lambda: not _children_running("pob_ls.engine.service.zygote")), 30)
    finally:
        await router.stop()


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0.05)
