"""Faults during a stream of edits: kill -9 and hang (SIGSTOP) the engine worker at random points
through the real server, and out-of-memory/loop/exit through `EngineService`'s test hooks.

After each fault the server must recover within seconds, the last version sent must be the last
version published (no edit lost), and its numbers must equal a fresh `PobHost` load of the same text.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import engine_or_skip
from tests.stress.harness import (
    SCALE,
    StressClient,
    build_text,
    change_doc,
    engine_processes,
    open_doc,
    reference_stats,
    start_server,
    stat_sheet,
    stop_server,
    wait_engine_ready,
    wait_for,
    with_attr,
)

pytestmark = [pytest.mark.engine, pytest.mark.asyncio(loop_scope="module")]

URI = "file:///tmp/pob-ls-stress/faults.pob"
LEVELS = (90, 93, 96, 99)
ROUNDS = 6 * SCALE
RECOVERY_DEADLINE = 40.0  # seconds from the fault to the correct result for the last version


def variants() -> dict[int, str]:
    base = build_text("065")
    return {level: with_attr(base, "Build", "level", str(level)) for level in LEVELS}


@pytest.fixture(scope="module")
def references() -> dict[int, Any]:
    engine_or_skip()
    try:
        texts = variants()
    except FileNotFoundError:
        pytest.skip("../shared/builds is absent")
    refs = reference_stats({str(k): v for k, v in texts.items()})
    return {int(k): v for k, v in refs.items()}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(references: dict[int, Any]) -> AsyncIterator[StressClient]:
    client = await start_server(debounce_ms=30)
    try:
        await wait_engine_ready(client)
        open_doc(client, URI, variants()[LEVELS[0]], 1)
        await wait_for(lambda: client.record.calculated(URI, 1), 60, "version 1")
        yield client
    finally:
        await stop_server(client)


def respaced(text: str, n: int) -> str:
    """A different text with the same build (so every version is a new text)."""
    return text.replace("<Build ", "<Build" + " " * (1 + n % 7) + " ", 1)


async def run_round(
    client: StressClient, rng: random.Random, version: int, fault: str
) -> tuple[int, float, int]:
    """Edits with a fault at a random point among them; returns (last version, recovery s, level)."""
    texts = variants()
    edits = rng.randint(1, 5)
    fault_at = rng.randint(0, edits)
    fault_time = time.perf_counter()
    stopped: list[int] = []
    level = LEVELS[0]
    for i in range(edits + 1):
        if i == fault_at:
            await asyncio.sleep(rng.uniform(0.0, 1.5))  # sometimes idle, sometimes mid-calculation
            _zygote, workers = engine_processes(client.server_pid)
            assert workers, "no engine worker under the server"
            victim = rng.choice(workers)
            fault_time = time.perf_counter()
            if fault == "kill":
                os.kill(victim, signal.SIGKILL)
            else:
                os.kill(victim, signal.SIGSTOP)  # a hang: the deadline must replace it
                stopped.append(victim)
        if i < edits:
            version += 1
            level = rng.choice(LEVELS)
            change_doc(client, URI, version, respaced(texts[level], version))
            await asyncio.sleep(rng.uniform(0.0, 0.4))
    try:

        def done() -> bool:
            return client.record.calculated(URI, version, "ready") is not None

        try:
            await wait_for(done, RECOVERY_DEADLINE, f"a correct result for version {version} after {fault}")
        except TimeoutError as exc:
            recent = [(round(t - fault_time, 2), s) for t, s in client.record.statuses if t >= fault_time - 1]
            raise AssertionError(f"{exc}; statuses since the fault: {recent}") from None
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return version, time.perf_counter() - fault_time, level


@pytest.mark.parametrize("fault", ["kill", "hang"])
async def test_faults_during_edits_recover_with_no_edit_lost(
    server: StressClient, references: dict[int, Any], fault: str
) -> None:
    client = server
    rng = random.Random(f"faults-{fault}")
    version = max(v for _, v in client.record.sent[URI])
    recoveries = []
    for _ in range(ROUNDS if fault == "kill" else SCALE):
        version, recovery, level = await run_round(client, rng, version, fault)
        recoveries.append(recovery)
        pubs = [p.version for p in client.record.publishes if p.uri == URI]
        assert pubs[-1] == version, "the last version sent is not the last one published"
        assert all(a is not None and b is not None and a <= b for a, b in itertools.pairwise(pubs))
        sheet = await stat_sheet(client, URI)
        assert sheet["result"]["player_stats"] == references[level]
        assert client.server_returncode is None
    print(f"{fault}: {len(recoveries)} rounds, recovery s: {[round(r, 2) for r in recoveries]}")
    assert client.record.tracebacks() == []


# -- through EngineService's test hooks: out of memory, endless loop, exit -------------------


async def test_service_hooks_between_edits(tmp_path: Path) -> None:
    from pob_ls.engine.service.service import EngineRequestError, EngineService
    from pob_ls.server.engine_link import engine_files

    layout = engine_or_skip()
    texts = variants()
    refs = reference_stats({str(k): v for k, v in texts.items()})
    published: list[tuple[int, Any]] = []
    svc = EngineService(
        engine_files(layout),
        load_deadline=30.0,
        request_deadline=3.0,
        debounce=0.03,
        lua_max_memory=700 * 1024 * 1024,
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "logs",
        on_result=lambda uri, v, payload: published.append((v, payload)),
        test_hooks=True,
    )
    await svc.start()
    try:
        rng = random.Random(6)
        version = 0
        for hook in ("allocate", "loop", "exit", "allocate"):
            for _ in range(rng.randint(1, 3)):
                version += 1
                level = rng.choice(LEVELS)
                svc.update("mem://hooks", version, respaced(texts[level], version))
                await asyncio.sleep(rng.uniform(0, 0.2))
            start = time.perf_counter()
            try:
                await asyncio.wait_for(svc.test_hook(hook, code=3), 30)
            except EngineRequestError as exc:
                assert exc.kind in ("out_of_memory", "deadline", "crashed"), exc
            got_version, result = await asyncio.wait_for(svc.result("mem://hooks"), RECOVERY_DEADLINE)
            assert got_version == version
            assert result["player_stats"] == refs[str(level)], hook
            print(f"hook {hook}: recovered in {time.perf_counter() - start:.2f} s")
        ok = [v for v, p in published if isinstance(p, dict)]
        assert ok == sorted(ok) and ok[-1] == version
    finally:
        await svc.stop()
