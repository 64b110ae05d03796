"""The service's side of the zygote: boot it, ask it to fork a worker or reap one, close it.

Blocking socket calls: used only from the service's control thread, never from the event loop.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import subprocess
from pathlib import Path
from typing import TypeVar, cast

from pob_ls.engine.service.channel import log_tail
from pob_ls.engine.service.errors import EngineRequestError
from pob_ls.engine.service.protocol import (
    ErrorReply,
    Forked,
    ForkWorker,
    ProtocolError,
    Ready,
    Reap,
    Reaped,
    Request,
    WorkerConfig,
    encode,
    read_frame,
)
from pob_ls.engine.service.spawn import ZYGOTE_MODULE, spawn_child

ReplyT = TypeVar("ReplyT")


class ZygoteClient:
    """The booted parent of forked workers; used only from the service's control thread."""

    def __init__(self, config: WorkerConfig, log_path: Path, boot_deadline: float) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes]
        self.proc, self.sock = spawn_child(ZYGOTE_MODULE, config, log_path)
        self.sock.settimeout(boot_deadline)
        self._ids = itertools.count(1)
        try:
            envelope = read_frame(self.sock)
        except (OSError, ProtocolError) as exc:
            self.close()
            raise EngineRequestError(
                "boot", f"the engine zygote did not boot: {exc}", log_tail=log_tail(log_path)
            ) from exc
        if envelope is None or not isinstance(envelope.message, Ready):
            self.close()
            raise EngineRequestError("boot", "the engine zygote failed to boot", log_tail=log_tail(log_path))
        self.ready: Ready = envelope.message
        self.sock.settimeout(30.0)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _ask(self, message: Request[ReplyT], fds: list[int] | None = None) -> ReplyT | ErrorReply:
        """Send one request; its paired reply or the zygote's error. Anything else is a ProtocolError."""
        request_id = next(self._ids)
        frame = encode(message, request_id)
        if fds:
            socket.send_fds(self.sock, [frame], fds)
        else:
            self.sock.sendall(frame)
        envelope = read_frame(self.sock)
        if envelope is None:
            raise ProtocolError("the zygote closed its channel")
        reply = envelope.message
        if not isinstance(reply, (*message.replies, ErrorReply)):
            raise ProtocolError(f"the zygote answered {type(reply).__name__} to {type(message).__name__}")
        return cast("ReplyT | ErrorReply", reply)

    def fork(self, log_path: Path) -> tuple[int, socket.socket]:
        mine, theirs = socket.socketpair()
        try:
            reply = self._ask(ForkWorker(str(log_path)), [theirs.fileno()])
        finally:
            theirs.close()
        if not isinstance(reply, Forked):
            mine.close()
            raise ProtocolError(f"the zygote answered {type(reply).__name__} to a fork")
        return reply.pid, mine

    def reap(self, pid: int, timeout: float) -> str | None:
        reply = self._ask(Reap(pid, timeout))
        return reply.status if isinstance(reply, Reaped) else None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
