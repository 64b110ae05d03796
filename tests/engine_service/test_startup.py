"""Getting workers: forked from a booted zygote versus spawned with a full boot, and a zygote that dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from pob_ls.engine.host import EngineFiles
from tests.engine_service.conftest import Recorder, build_text, make_service

pytestmark = pytest.mark.engine


def memory_of(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in MB: PSS splits pages shared copy-on-write between the processes using them."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0]] = int(parts[1]) // 1024
    return values["Rss:"], values["Pss:"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
async def test_forked_second_worker_is_much_faster_than_a_spawned_one(
    engine_files: EngineFiles, tmp_path: Path
) -> None:
    timings = {}
    for method in ("spawn", "fork"):
        service = make_service(engine_files, tmp_path / method, Recorder(), workers=2, start_method=method)
        await service.start()
        try:
            timings[method] = [round(r.seconds, 3) for r in service.launches]
            service.update("mem://m.xml", 1, build_text("065"))
            await service.result("mem://m.xml")
            if method == "fork" and os.path.exists("/proc/self/smaps_rollup"):
                pids = [p for p in service.worker_pids() if p] + [service.zygote_pid or 0]
                print("memory (RSS MB, PSS MB) workers then zygote:", [memory_of(p) for p in pids])
        finally:
            await service.stop()
    print("seconds to get each worker ready:", timings)
    assert timings["fork"][1] < timings["spawn"][1] / 5


async def test_a_dead_zygote_is_booted_again_and_documents_come_back(
    engine_files: EngineFiles, tmp_path: Path
) -> None:
    recorder = Recorder()
    service = make_service(engine_files, tmp_path, recorder, start_method="fork")
    await service.start()
    try:
        service.update("mem://z.xml", 1, build_text("067"))
        _, before = await service.result("mem://z.xml")
        zygote, worker = service.zygote_pid, service.worker_pids()[0]
        assert zygote is not None and worker is not None
        mark = len(recorder.statuses)
        os.kill(zygote, signal.SIGKILL)  # its workers die with it (parent-death signal)
        await recorder.wait_status("worker_restarted", after=mark)
        _, after = await service.refresh("mem://z.xml")
        assert after["player_stats"] == before["player_stats"]
        assert service.zygote_pid not in (None, zygote)
        assert service.worker_pids()[0] not in (None, worker)
    finally:
        await service.stop()
