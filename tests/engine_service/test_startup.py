"""Getting workers: forked from a booted zygote versus spawned with a full boot, and a zygote that dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from pob_ls.engine.host.host import EngineFiles
from tests.engine_service.conftest import Recorder, build_text, make_service

pytestmark = pytest.mark.engine


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")
async def test_workers_are_forked_from_the_booted_zygote_or_spawned(
    engine_files: EngineFiles, tmp_path: Path
) -> None:
    """How workers come to be; how long each way takes is benchmarks/bench_service.py's job."""
    for method in ("spawn", "fork"):
        service = make_service(engine_files, tmp_path / method, Recorder(), workers=2, start_method=method)
        await service.start()
        try:
            assert [r.method for r in service.launches] == [method, method]
            pids = service.worker_pids()
            assert len(pids) == 2 and all(pids)
            parents = {parent_of(p) for p in pids if p}
            if method == "fork":
                assert parents == {service.zygote_pid}
            else:
                assert service.zygote_pid is None and parents == {os.getpid()}
            service.update("mem://m.xml", 1, build_text("065"))
            version, result = await service.result("mem://m.xml")
            assert version == 1 and result["build"]["ascendancy"] == "Guardian"
        finally:
            await service.stop()


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
