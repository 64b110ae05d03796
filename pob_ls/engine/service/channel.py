"""Request/reply matching over one worker's socket: frames out, replies matched to requests by id.

The read loop is the only reader of a worker's socket: replies resolve the future of the request with
their id, and unsolicited messages (ready, evicted, recycle requested) are handed to the caller.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pob_ls.engine.service.protocol import (
    HEADER_SIZE,
    Evicted,
    ProtocolError,
    Ready,
    RecycleRequested,
    decode,
    encode,
    frame_length,
)

LOG_TAIL_LINES = 25


class WorkerGone(Exception):
    """The worker's connection ended while a request (or its boot) was waiting."""


@dataclass(eq=False)
class WorkerProcess:
    """One live worker process and its connection."""

    pid: int
    method: str
    log_path: Path
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ready: asyncio.Future[Ready]
    popen: subprocess.Popen[bytes] | None = None
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    gone: str | None = None  # why the connection ended
    recycle: bool = False
    reader_task: asyncio.Task[None] | None = None


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines a worker (or the zygote) wrote to its log, for error messages."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


async def exchange(proc: WorkerProcess, message: Any, request_id: int, deadline: float) -> Any:
    """Send one request and wait for its reply. Raises TimeoutError, WorkerGone or ConnectionError."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    proc.pending[request_id] = future
    try:
        proc.writer.write(encode(message, request_id))
        async with asyncio.timeout(deadline):
            await proc.writer.drain()
            return await future
    finally:
        proc.pending.pop(request_id, None)


async def read_loop(
    proc: WorkerProcess, on_evicted: Callable[[str], None], on_connection_lost: Callable[[], None]
) -> None:
    """Read the worker's frames until its connection ends; then fail whatever still waits."""
    try:
        while True:
            header = await proc.reader.readexactly(HEADER_SIZE)
            envelope = decode(await proc.reader.readexactly(frame_length(header)))
            message = envelope.message
            if envelope.id is not None:
                future = proc.pending.get(envelope.id)
                if future is not None and not future.done():
                    future.set_result(message)
            elif isinstance(message, Ready):
                if not proc.ready.done():
                    proc.ready.set_result(message)
            elif isinstance(message, Evicted):
                on_evicted(message.uri)
            elif isinstance(message, RecycleRequested):
                proc.recycle = True
    except asyncio.CancelledError:
        proc.gone = proc.gone or "retired"
        raise
    except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
        proc.gone = f"connection closed ({type(exc).__name__})"
        on_connection_lost()
    except ProtocolError as exc:
        proc.gone = f"protocol error: {exc}"
    finally:
        gone = WorkerGone(proc.gone or "connection closed")
        for future in proc.pending.values():
            if not future.done():
                future.set_exception(gone)
        if not proc.ready.done():
            proc.ready.set_exception(gone)
            proc.ready.exception()  # retrieved: nobody may be waiting any more
