"""The engine service against the real PoB: results, isolation of failures, versions, memory policy.

One service (one worker, forked from a zygote) is shared by the whole module to keep the run short;
every test opens its own documents and closes them again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import struct
from typing import Any

import pytest

from pob_ls.engine.messages import DescribeConfig, ListCatalog, RemoveItem
from pob_ls.engine.service.protocol import ErrorReply
from pob_ls.engine.service.service import EngineRequestError
from tests.engine_service.conftest import Harness, build_text

pytestmark = [pytest.mark.engine, pytest.mark.asyncio(loop_scope="module")]


def with_level(text: str, level: int) -> str:
    return re.sub(r'(<Build\b[^>]*?\blevel=")\d+(")', rf"\g<1>{level}\g<2>", text, count=1)


def respaced(text: str) -> str:
    """Different text, same build."""
    return text.replace("<Build ", "<Build  ", 1)


async def loaded_docs(h: Harness) -> dict[str, bool]:
    (stats,) = await h.service.stats()
    return {d.uri: d.loaded for d in stats.documents}


def life(result: dict[str, Any]) -> Any:
    return result["player_stats"].get("Life")


async def test_open_a_build_and_get_its_result(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://open.xml", 1, build_text("065"))
    version, result = await svc.result("mem://open.xml")
    assert version == 1
    assert result["build"]["class"] == "Templar"
    assert result["player_stats"]
    assert (await loaded_docs(harness))["mem://open.xml"] is True
    assert harness.recorder.published("mem://open.xml") == [1]
    svc.close("mem://open.xml")


async def test_two_documents_in_one_worker(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://two-a.xml", 1, build_text("067"))
    svc.update("mem://two-b.xml", 1, build_text("070"))
    (_, a), (_, b) = await asyncio.gather(svc.result("mem://two-a.xml"), svc.result("mem://two-b.xml"))
    assert a["build"] != b["build"]
    docs = await loaded_docs(harness)
    assert docs["mem://two-a.xml"] and docs["mem://two-b.xml"]
    assert len(svc.worker_pids()) == 1
    # Each stays itself after the other was calculated.
    assert (await svc.refresh("mem://two-a.xml"))[1]["player_stats"] == a["player_stats"]
    svc.close("mem://two-a.xml")
    svc.close("mem://two-b.xml")


async def test_build_pob_rejects_is_a_clear_error_and_the_worker_carries_on(harness: Harness) -> None:
    svc = harness.service
    pid = svc.worker_pids()[0]
    svc.update("mem://bad.xml", 1, build_text("072"))
    with pytest.raises(EngineRequestError) as info:
        await svc.result("mem://bad.xml")
    assert info.value.kind == "build"
    assert "PoB" in info.value.message
    assert isinstance(harness.recorder.results[-1][2], EngineRequestError)
    # Asking again gives the same (cached) answer; the worker is the same one.
    with pytest.raises(EngineRequestError):
        await svc.result("mem://bad.xml")
    assert svc.worker_pids()[0] == pid
    svc.close("mem://bad.xml")


async def test_kill_9_mid_calculation_fails_clearly_then_everything_is_back(harness: Harness) -> None:
    svc, rec = harness.service, harness.recorder
    text_a, text_b = build_text("065"), build_text("076")
    svc.update("mem://kill-a.xml", 1, text_a)
    svc.update("mem://kill-b.xml", 1, text_b)
    _, before_a = await svc.result("mem://kill-a.xml")
    _, before_b = await svc.result("mem://kill-b.xml")
    old_pid = svc.worker_pids()[0]
    assert old_pid is not None

    mark = len(rec.statuses)
    svc.update("mem://kill-a.xml", 2, build_text("073"))  # a different build: a full load, seconds long
    pending = asyncio.create_task(svc.result("mem://kill-a.xml"))
    await rec.wait_status("loading", "mem://kill-a.xml", after=mark)
    await asyncio.sleep(0.2)
    os.kill(old_pid, signal.SIGKILL)
    with pytest.raises(EngineRequestError) as info:
        await pending
    assert info.value.kind == "crashed"
    assert "signal 9" in info.value.message
    assert info.value.version == 2

    version, _ = await svc.result("mem://kill-a.xml")
    assert version == 2
    svc.update("mem://kill-a.xml", 3, respaced(text_a))
    version, after_a = await svc.result("mem://kill-a.xml")
    assert version == 3
    assert after_a["player_stats"] == before_a["player_stats"]
    assert svc.worker_pids()[0] not in (None, old_pid)
    assert any(e.kind == "worker_restarted" for e in rec.statuses[mark:])
    # The other document was reloaded into the new worker from its text.
    assert (await loaded_docs(harness))["mem://kill-b.xml"] is True
    assert (await svc.refresh("mem://kill-b.xml"))[1]["player_stats"] == before_b["player_stats"]
    svc.close("mem://kill-a.xml")
    svc.close("mem://kill-b.xml")


async def test_lua_infinite_loop_hits_the_deadline_and_the_worker_is_replaced(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://loop.xml", 1, build_text("073"))
    _, before = await svc.result("mem://loop.xml")
    old_pid = svc.worker_pids()[0]
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(EngineRequestError) as info:
        await svc.test_hook("loop")
    assert info.value.kind == "deadline"
    assert loop.time() - started < svc.request_deadline + 3
    assert "replaced" in info.value.message
    assert (await svc.refresh("mem://loop.xml"))[1]["player_stats"] == before["player_stats"]
    assert svc.worker_pids()[0] != old_pid
    svc.close("mem://loop.xml")


async def test_lua_out_of_memory_is_a_clear_error_and_the_next_request_works(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://oom.xml", 1, build_text("070"))
    _, before = await svc.result("mem://oom.xml")
    with pytest.raises(EngineRequestError) as info:
        await svc.test_hook("allocate")
    assert info.value.kind == "out_of_memory"
    assert "memory" in info.value.message
    (stats,) = await svc.stats()
    assert stats.lua_memory_bytes < 640 * 1024 * 1024
    assert (await svc.refresh("mem://oom.xml"))[1]["player_stats"] == before["player_stats"]
    svc.update("mem://oom.xml", 2, with_level(build_text("070"), 90))
    assert (await svc.result("mem://oom.xml"))[0] == 2
    svc.close("mem://oom.xml")


async def test_a_flood_of_versions_publishes_only_the_latest(harness: Harness) -> None:
    svc, rec = harness.service, harness.recorder
    uri = "mem://flood.xml"
    text = build_text("067")
    svc.update(uri, 1, with_level(text, 50))
    await svc.result(uri)
    for version in range(2, 32):
        svc.update(uri, version, with_level(text, 40 + version))
        await asyncio.sleep(0.01)
    version, result = await svc.result(uri)
    assert version == 31
    assert result["build"]["level"] == 71
    assert rec.published(uri) == [1, 31]

    # Versions arriving while one is being calculated: the superseded result is never published.
    mark = len(rec.statuses)
    svc.update(uri, 32, with_level(text, 20))
    await rec.wait_status("loading", uri, after=mark)
    svc.update(uri, 33, with_level(text, 21))
    svc.update(uri, 34, with_level(text, 22))
    version, result = await svc.result(uri)
    assert (version, result["build"]["level"]) == (34, 22)
    published = rec.published(uri)
    assert 32 not in published and 33 not in published
    assert published == sorted(published) and published[-1] == 34
    # An out-of-order old version is ignored.
    svc.update(uri, 5, with_level(text, 5))
    assert (await svc.result(uri))[0] == 34
    svc.close(uri)


async def test_close_and_reopen(harness: Harness) -> None:
    svc = harness.service
    uri = "mem://reopen.xml"
    svc.update(uri, 3, build_text("076"))
    _, first = await svc.result(uri)
    svc.close(uri)
    with pytest.raises(EngineRequestError) as info:
        await svc.result(uri)
    assert info.value.kind == "not_found"
    assert uri not in await loaded_docs(harness)
    svc.update(uri, 1, build_text("076"))
    version, again = await svc.result(uri)
    assert version == 1
    assert again["player_stats"] == first["player_stats"]
    svc.close(uri)


async def test_least_recently_used_builds_are_evicted_and_reloaded_on_demand(harness: Harness) -> None:
    svc = harness.service  # max_loaded_documents=2
    uris = ["mem://lru-1.xml", "mem://lru-2.xml", "mem://lru-3.xml"]
    firsts = {}
    for uri, number in zip(uris, ("065", "067", "070"), strict=True):
        svc.update(uri, 1, build_text(number))
        firsts[uri] = (await svc.result(uri))[1]
    docs = await loaded_docs(harness)
    assert [docs[u] for u in uris] == [False, True, True]
    assert "mem://lru-1.xml" in svc.evictions
    # Its text was kept: asking the worker reloads it, and the oldest of the others goes.
    assert (await svc.refresh(uris[0]))[1]["player_stats"] == firsts[uris[0]]["player_stats"]
    docs = await loaded_docs(harness)
    assert [docs[u] for u in uris] == [True, False, True]
    for uri in uris:
        svc.close(uri)


async def test_questions_get_typed_answers_and_an_unknown_entity_gets_none(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://ask.xml", 1, build_text("065"))
    catalog = await svc.ask("mem://ask.xml", ListCatalog())
    assert catalog is not None and "Fireball" in catalog["gems"] and catalog["treeVersions"]
    assert any(o["name"] == "enemyIsBoss" for o in catalog["config"])
    option = await svc.ask("mem://ask.xml", DescribeConfig("enemyIsBoss"))
    assert option is not None and option["name"] == "enemyIsBoss" and option["label"]
    assert await svc.ask("mem://ask.xml", DescribeConfig("noSuchOption")) is None
    assert await svc.ask("mem://ask.xml", RemoveItem("No Such Slot")) is None
    svc.close("mem://ask.xml")


async def test_a_real_worker_refuses_the_old_open_door_and_keeps_serving(harness: Harness) -> None:
    """A raw `Call` frame (the message that could run any glue function) reaches a real worker: it is
    refused with a clear error, the worker stays up, and the next request is answered."""
    svc = harness.service
    svc.update("mem://door.xml", 1, build_text("065"))
    _, before = await svc.result("mem://door.xml")
    slot = svc._slots[0]
    async with slot.lock:
        proc = slot.process
        assert proc is not None
        pid = proc.pid
        body = json.dumps(
            {
                "type": "Call",
                "uri": "mem://door.xml",
                "module": "incremental",
                "function": "item",
                "args": [],
                "id": 999_999,
            }
        ).encode()
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        proc.pending[999_999] = reply
        proc.writer.write(struct.pack(">I", len(body)) + body)
        await proc.writer.drain()
        refused = await asyncio.wait_for(reply, 10)
    assert isinstance(refused, ErrorReply) and refused.kind == "refused"
    assert "unknown message type 'Call'" in refused.message
    assert (await svc.refresh("mem://door.xml"))[1]["player_stats"] == before["player_stats"]
    assert svc.worker_pids()[0] == pid
    svc.close("mem://door.xml")


async def test_worker_that_exits_while_idle_is_replaced_with_its_documents(harness: Harness) -> None:
    svc = harness.service
    svc.update("mem://idle.xml", 1, build_text("065"))
    _, before = await svc.result("mem://idle.xml")
    old_pid = svc.worker_pids()[0]
    assert old_pid is not None
    mark = len(harness.recorder.statuses)
    os.kill(old_pid, signal.SIGKILL)
    await harness.recorder.wait_status("worker_restarted", after=mark)
    assert (await svc.refresh("mem://idle.xml"))[1]["player_stats"] == before["player_stats"]
    assert svc.worker_pids()[0] != old_pid
    svc.close("mem://idle.xml")
