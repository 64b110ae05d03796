"""The zygote: boots PoB once, then forks ready-booted workers on request (Linux and other POSIX).

Booting PoB costs seconds; a fork after boot costs milliseconds and shares the booted heap
copy-on-write. The zygote stays single-threaded (fork and threads do not mix) and does no
PoB work itself after boot, so every child starts from the same clean state. The socket a
worker will talk on arrives from the service alongside the ForkWorker frame (SCM_RIGHTS).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import socket
import sys
import time
from typing import Any

from pob_ls.engine.service.protocol import (
    HEADER_SIZE,
    Envelope,
    ErrorReply,
    Forked,
    ForkWorker,
    ProtocolError,
    Ready,
    Reap,
    Reaped,
    WorkerConfig,
    config_from_json,
    decode,
    frame_length,
    write_frame,
)
from pob_ls.engine.service.worker import Worker, boot_host, die_with_parent, redirect_output


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"killed by signal {sig} ({name})"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _read_with_fds(sock: socket.socket) -> tuple[Envelope | None, list[int]]:
    """One frame plus any file descriptors that came with its first bytes."""
    header = b""
    fds: list[int] = []
    while len(header) < HEADER_SIZE:
        data, got, _flags, _addr = socket.recv_fds(sock, HEADER_SIZE - len(header), 4)
        fds.extend(got)
        if not data:
            for fd in fds:
                os.close(fd)
            return None, []
        header += data
    size = frame_length(header)
    body = bytearray()
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            raise ProtocolError("connection closed inside a frame")
        body += chunk
    return decode(bytes(body)), fds


def _reap(request: Reap) -> Reaped:
    deadline = time.monotonic() + request.timeout
    while True:
        try:
            pid, status = os.waitpid(request.pid, os.WNOHANG)
        except ChildProcessError:
            return Reaped(request.pid, "already collected")
        if pid:
            return Reaped(request.pid, describe_status(status))
        if time.monotonic() >= deadline:
            return Reaped(request.pid, None)
        time.sleep(0.01)


def _fork_worker(
    config: WorkerConfig, host: Any, control: socket.socket, request: ForkWorker, fd: int
) -> int:
    pid = os.fork()
    if pid:
        os.close(fd)
        return pid
    # The child: it must never return into the zygote's loop.
    code = 0
    try:
        control.close()
        die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        redirect_output(request.log_path)
        gc.unfreeze()
        sock = socket.socket(fileno=fd)
        sock.setblocking(True)
        Worker(host, config, sock, forked=True).serve()
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def serve(config: WorkerConfig, control: socket.socket) -> None:
    host = boot_host(config)
    host.collect_garbage()
    # Keep Python's collector from touching (and so copying) the booted objects in every child.
    gc.collect()
    gc.freeze()
    write_frame(control, Ready(os.getpid(), False, host.boot.boot_seconds, host.boot.version))
    while True:
        envelope, fds = _read_with_fds(control)
        if envelope is None:
            return
        message = envelope.message
        if isinstance(message, ForkWorker) and len(fds) == 1:
            write_frame(control, Forked(_fork_worker(config, host, control, message, fds[0])), envelope.id)
            continue
        for fd in fds:
            os.close(fd)
        if isinstance(message, Reap):
            write_frame(control, _reap(message), envelope.id)
        else:
            reply = ErrorReply("bad_request", f"the zygote does not handle {type(message).__name__}")
            write_frame(control, reply, envelope.id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pob_ls.engine.service.zygote")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    die_with_parent()
    control = socket.socket(fileno=args.fd)
    control.setblocking(True)
    serve(config_from_json(args.config), control)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
