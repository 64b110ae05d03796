"""Process supervision: keep a live worker in every slot, launching (fork or spawn), retiring and
replacing workers, and the zygote they are forked from.

A slot is a seat for one worker and the documents assigned to it; its lock serialises everything sent
to that worker. The blocking steps (starting processes, talking to the zygote) run on the one control
thread the supervisor owns, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pob_ls.engine.service.channel import WorkerGone, WorkerProcess, log_tail, read_loop
from pob_ls.engine.service.errors import Emit, EngineRequestError, LaunchRecord
from pob_ls.engine.service.protocol import ProtocolError, Shutdown, WorkerConfig, encode
from pob_ls.engine.service.spawn import WORKER_MODULE, spawn_child
from pob_ls.engine.service.zygote_client import ZygoteClient


@dataclass(eq=False)
class Slot:
    """A seat for one worker process and the documents assigned to it."""

    index: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    process: WorkerProcess | None = None
    uris: set[str] = field(default_factory=set)
    closing: list[str] = field(default_factory=list)  # closed documents the worker still holds
    launches: int = 0


#: Give a new worker its slot's documents; False if the worker was lost doing it.
Reload = Callable[[Slot], Awaitable[bool]]


class Supervisor:
    """Workers in slots: launched on demand, replaced when lost, all ended on `close`."""

    def __init__(
        self,
        config: WorkerConfig,
        slots: int,
        *,
        start_method: str,
        boot_deadline: float,
        emit: Emit,
        spawn_task: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
        running: Callable[[], bool],
        next_id: Callable[[], int],
    ) -> None:
        self.config = config
        self.slots = [Slot(i) for i in range(max(1, slots))]
        self.start_method = start_method
        self.boot_deadline = boot_deadline
        self._emit = emit
        self._spawn_task = spawn_task
        self._running = running
        self._next_id = next_id
        self.reload: Reload | None = None
        self.log_dir: Path | None = None
        self.control: ThreadPoolExecutor | None = None
        self.zygote: ZygoteClient | None = None
        self._log_counter = itertools.count(1)
        self.launches: list[LaunchRecord] = []
        self.evictions: list[str] = []

    def open(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.control = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pob-ls-engine-control")

    async def close(self) -> None:
        """The zygote closed and the control thread ended (workers are retired by the caller first)."""
        if self.zygote is not None:
            zygote, self.zygote = self.zygote, None
            await self.in_control(zygote.close)
        if self.control is not None:
            self.control.shutdown(wait=True)
            self.control = None

    async def ensure_process(self, slot: Slot) -> None:
        """A live worker in the slot, holding the slot's documents (the caller holds the lock)."""
        proc = slot.process
        if proc is not None and proc.recycle:
            with contextlib.suppress(Exception):
                proc.writer.write(encode(Shutdown(), self._next_id()))
                await asyncio.wait_for(proc.writer.drain(), 1.0)
            await self.retire(slot, proc)
        proc = slot.process
        if proc is not None and proc.gone is None:
            return
        if proc is not None:
            status = await self.retire(slot, proc)
            message = f"engine worker {slot.index} (pid {proc.pid}) ended: {status}"
            self._emit("error", message, None, slot.index)
        for _attempt in range(3):
            replacing = slot.launches > 0
            slot.process = await self.launch(slot)
            if replacing:
                self._emit("worker_restarted", f"engine worker {slot.index} restarted", None, slot.index)
            if self.reload is None or await self.reload(slot):
                return
        raise EngineRequestError("boot", "engine workers keep failing while reloading documents")

    async def lose(self, slot: Slot, proc: WorkerProcess, uri: str | None) -> str | None:
        """A worker missed its deadline or died: retire it and have a new one take its documents."""
        status = await self.retire(slot, proc)
        self._emit("error", f"engine worker {slot.index} (pid {proc.pid}) lost: {status}", uri, slot.index)
        self._spawn_task(self.restart(slot))
        return status

    async def restart(self, slot: Slot) -> None:
        async with slot.lock:
            if self._running():
                with contextlib.suppress(EngineRequestError):
                    await self.ensure_process(slot)

    async def retire(self, slot: Slot, proc: WorkerProcess) -> str | None:
        """Kill (if needed) and collect a worker; returns how it ended."""
        if slot.process is proc:
            slot.process = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.writer.close()
        if proc.reader_task is not None:
            proc.reader_task.cancel()
            await asyncio.gather(proc.reader_task, return_exceptions=True)
        if proc.popen is not None:
            popen = proc.popen
            code = await self.in_control(popen.wait)
            return f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        zygote = self.zygote
        if zygote is None or not zygote.alive():
            return None
        try:
            status: str | None = await self.in_control(zygote.reap, proc.pid, 2.0)
            return status
        except (OSError, ProtocolError):
            return None

    async def launch(self, slot: Slot) -> WorkerProcess:
        assert self.log_dir is not None
        slot.launches += 1
        log_path = self.log_dir / f"worker-{slot.index}-{next(self._log_counter)}.log"
        start = time.perf_counter()
        popen: subprocess.Popen[bytes] | None = None
        if self.start_method == "fork":
            pid, sock = await self._fork(log_path)
        else:
            popen, sock = await self.in_control(spawn_child, WORKER_MODULE, self.config, log_path)
            pid = popen.pid
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**20)
        proc = WorkerProcess(
            pid, self.start_method, log_path, reader, writer, asyncio.get_running_loop().create_future()
        )
        proc.popen = popen
        proc.reader_task = asyncio.create_task(
            read_loop(proc, self.evictions.append, lambda: self._connection_lost(slot, proc))
        )
        try:
            async with asyncio.timeout(self.boot_deadline):
                await asyncio.shield(proc.ready)
        except (TimeoutError, WorkerGone) as exc:
            status = await self.retire(slot, proc)
            raise EngineRequestError(
                "boot", f"an engine worker failed to start ({status or exc})", log_tail=log_tail(log_path)
            ) from None
        self.launches.append(LaunchRecord(slot.index, self.start_method, pid, time.perf_counter() - start))
        return proc

    def _connection_lost(self, slot: Slot, proc: WorkerProcess) -> None:
        if slot.process is proc and self._running():
            self._spawn_task(self.restart(slot))  # died while idle too: its documents move on now

    async def _fork(self, log_path: Path) -> tuple[int, socket.socket]:
        for _attempt in range(2):
            if self.zygote is None or not self.zygote.alive():
                if self.zygote is not None:
                    self._emit("worker_restarted", "the engine zygote died; booting a new one", None, None)
                    await self.in_control(self.zygote.close)
                self._emit("booting", f"booting PoB {self.config.version}", None, None)
                assert self.log_dir is not None
                zygote_log = self.log_dir / f"zygote-{next(self._log_counter)}.log"
                self.zygote = await self.in_control(ZygoteClient, self.config, zygote_log, self.boot_deadline)
            zygote = self.zygote
            try:
                forked: tuple[int, socket.socket] = await self.in_control(zygote.fork, log_path)
                return forked
            except (OSError, ProtocolError):
                await self.in_control(zygote.close)
        raise EngineRequestError("boot", "the engine zygote could not fork a worker")

    async def in_control(self, func: Callable[..., Any], *args: Any) -> Any:
        assert self.control is not None
        return await asyncio.get_running_loop().run_in_executor(self.control, func, *args)
