"""A worker process: one booted PoB holding several documents, answering the service one request at a time.

The worker never enforces deadlines itself (a Lua loop cannot be interrupted from Python);
the service kills it instead. It does police memory: lupa's `max_memory` bounds the Lua heap,
least-recently-used build objects are freed beyond a budget (their text is kept, so they reload
on demand), and past an RSS limit it asks to be replaced (`eviction.py`).
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lupa import luajit21

from pob_ls.engine.host.host import BuildLoadError, EngineError, EngineFiles, PobHost
from pob_ls.engine.host.incremental import update_build
from pob_ls.engine.messages import (
    WORKER_REQUESTS,
    DescribeConfig,
    DescribeNode,
    GroupAsMainSkill,
    Json,
    ListCatalog,
    ListStatNames,
    Question,
    RemoveItem,
    StepKind,
    ToggleGem,
    UpdateHow,
    WorkerErrorKind,
)
from pob_ls.engine.service.eviction import MemoryPolice, rss_bytes
from pob_ls.engine.service.fault_hooks import run_test_hook
from pob_ls.engine.service.protocol import (
    Accepted,
    Answer,
    Ask,
    CloseDocument,
    DocumentResult,
    DocumentStats,
    ErrorReply,
    GetResult,
    GetStats,
    OpenDocument,
    Ping,
    ProtocolError,
    Ready,
    Shutdown,
    TestHook,
    UnknownMessage,
    UpdateDocument,
    WorkerConfig,
    WorkerStats,
    config_engine_files,
    config_from_json,
    read_frame,
    write_frame,
)

_PR_SET_PDEATHSIG = 1

#: The glue (module, function) answering each question, and the arguments after the build's handle.
#: These are the only glue functions a request can reach; the Lua names live here, not above the engine.
_GLUE_QUESTIONS: dict[type[Question[object]], tuple[str, str, Callable[[Any], tuple[object, ...]]]] = {
    RemoveItem: ("whatif", "removeItem", lambda q: (q.slot,)),
    ToggleGem: ("whatif", "toggleGem", lambda q: (q.group, q.gem)),
    GroupAsMainSkill: ("whatif", "groupSummary", lambda q: (q.group,)),
    DescribeNode: ("whatif", "node", lambda q: (q.node_id,)),
    DescribeConfig: ("whatif", "config", lambda q: (q.name,)),
    ListCatalog: ("whatif", "catalog", lambda q: ()),
    ListStatNames: ("whatif", "statNames", lambda q: ()),
}


class _RequestFailed(Exception):
    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(reply.message)
        self.reply = reply


@dataclass
class _Document:
    uri: str
    version: int
    text: str
    handle: int | None = None
    loaded_text: str | None = None  # what the build object holds (the text `update_build` diffs from)
    error: str | None = None  # PoB's rejection of `text`, when it was rejected
    last_used: float = 0.0


def boot_host(config: WorkerConfig) -> PobHost:
    root, script_dir, lib_dirs, version = config_engine_files(config)
    kwargs: dict[str, Any] = {}
    if config.cache_dir:
        kwargs["cache_dir"] = Path(config.cache_dir)
    if config.lua_max_memory:
        kwargs["max_memory"] = config.lua_max_memory
    return PobHost(EngineFiles(root, script_dir, lib_dirs, version), **kwargs)


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, luajit21.LuaMemoryError | MemoryError):
        return True
    if exc.__cause__ is not None and _is_out_of_memory(exc.__cause__):
        return True
    return "not enough memory" in str(exc) or "ran out of memory" in str(exc)


def _plain_json(value: Any) -> Json:
    """Glue results made JSON-safe: inf/nan become PoB's strings, tuples lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    return cast(Json, value)


class Worker:
    """Serve requests from one socket until it closes or a Shutdown arrives."""

    def __init__(self, host: PobHost, config: WorkerConfig, sock: socket.socket, *, forked: bool) -> None:
        self.host = host
        self.config = config
        self.sock = sock
        self.forked = forked
        self.docs: dict[str, _Document] = {}
        self.requests = 0
        self._last_update: tuple[UpdateHow, tuple[StepKind, ...]] = ("cached", ())
        self._police = MemoryPolice(host, config, lambda message: write_frame(self.sock, message))

    def serve(self) -> None:
        write_frame(
            self.sock, Ready(os.getpid(), self.forked, self.host.boot.boot_seconds, self.host.boot.version)
        )
        while True:
            try:
                envelope = read_frame(self.sock)
            except UnknownMessage as exc:
                self.requests += 1
                self._refuse(exc)
                continue
            except (ProtocolError, OSError) as exc:
                print(f"pob-ls worker: channel broken: {exc}", file=sys.stderr, flush=True)
                return
            if envelope is None:
                return
            self.requests += 1
            message = envelope.message
            try:
                reply = self.handle(message)
            except _RequestFailed as exc:
                reply = exc.reply
            except Exception as exc:
                traceback.print_exc()
                kind: WorkerErrorKind = "out_of_memory" if _is_out_of_memory(exc) else "engine"
                reply = ErrorReply(kind, f"{type(exc).__name__}: {exc}", getattr(message, "uri", None))
            self._flush_log()
            write_frame(self.sock, reply, envelope.id)
            if isinstance(message, Shutdown):
                return
            self._police.police(self.docs.values(), getattr(message, "uri", None))

    def _refuse(self, exc: UnknownMessage) -> None:
        """A frame that is not one of our requests: answer it with an error and keep serving."""
        print(f"pob-ls worker: refused a frame: {exc}", file=sys.stderr, flush=True)
        if exc.request_id is not None:
            reply = ErrorReply("refused", f"the engine worker refuses it: {exc}")
            write_frame(self.sock, reply, exc.request_id)

    # -- requests -----------------------------------------------------------------------

    def handle(self, message: Any) -> Any:
        if isinstance(message, OpenDocument | UpdateDocument):
            doc = self.docs.get(message.uri)
            if doc is None:
                doc = self.docs[message.uri] = _Document(message.uri, message.version, message.text)
            else:
                if doc.text != message.text:
                    doc.error = None
                doc.version, doc.text = message.version, message.text
            if isinstance(message, OpenDocument) and not message.load:
                return Accepted(os.getpid())
            return self._result(doc)
        if isinstance(message, GetResult):
            return self._result(self._document(message.uri))
        if isinstance(message, CloseDocument):
            doc = self.docs.pop(message.uri, None)
            if doc is not None and doc.handle is not None:
                self.host.free(doc.handle)
            return Accepted(os.getpid())
        if isinstance(message, Ask):
            doc = self._document(message.uri)
            handle = self._ensure_loaded(doc)
            return Answer(self._answer(handle, message.question))
        if isinstance(message, Ping | Shutdown):
            return Accepted(os.getpid())
        if isinstance(message, GetStats):
            return self.stats()
        if isinstance(message, TestHook):
            return run_test_hook(self.host, self.config, message)
        return ErrorReply(
            "refused",
            f"the engine worker refuses {type(message).__name__}: it answers only "
            + ", ".join(cls.__name__ for cls in WORKER_REQUESTS),
        )

    def _answer(self, handle: int, question: Question[object]) -> Json:
        """Run the one glue function that answers `question` (decode let only known questions in)."""
        glue = _GLUE_QUESTIONS.get(type(question))
        if glue is None:
            raise _RequestFailed(ErrorReply("refused", f"the engine worker has no answer to {question!r}"))
        module, function, arguments = glue
        return _plain_json(self.host.call(module, function, handle, *arguments(question)))

    def _document(self, uri: str) -> _Document:
        doc = self.docs.get(uri)
        if doc is None:
            raise _RequestFailed(ErrorReply("not_found", f"{uri} is not open in the engine", uri))
        return doc

    def _ensure_loaded(self, doc: _Document) -> int:
        """The build object for the document's current text, (re)loading it when needed."""
        doc.last_used = time.monotonic()
        if doc.error is not None:
            raise _RequestFailed(ErrorReply("build", doc.error, doc.uri, doc.version))
        if doc.handle is not None and doc.loaded_text == doc.text:
            return doc.handle
        try:
            outcome = update_build(self.host, doc.handle, doc.loaded_text, doc.text)
        except BuildLoadError as exc:
            if _is_out_of_memory(exc):
                self.host.collect_garbage()
                raise _RequestFailed(ErrorReply("out_of_memory", str(exc), doc.uri, doc.version)) from exc
            doc.error = str(exc)
            raise _RequestFailed(ErrorReply("build", doc.error, doc.uri, doc.version)) from exc
        except EngineError as exc:
            if _is_out_of_memory(exc):
                self.host.collect_garbage()
                raise _RequestFailed(ErrorReply("out_of_memory", str(exc), doc.uri, doc.version)) from exc
            raise
        doc.handle, doc.loaded_text = outcome.handle, doc.text
        self._last_update = (outcome.how, outcome.steps)
        return doc.handle

    def _result(self, doc: _Document) -> DocumentResult:
        start = time.perf_counter()
        self._last_update = ("cached", ())
        handle = self._ensure_loaded(doc)
        how, steps = self._last_update
        result = self.host.result(handle).to_json()
        return DocumentResult(doc.uri, doc.version, result, how, time.perf_counter() - start, list(steps))

    def stats(self) -> WorkerStats:
        return WorkerStats(
            pid=os.getpid(),
            forked=self.forked,
            boot_seconds=self.host.boot.boot_seconds,
            rss_bytes=rss_bytes(),
            lua_memory_bytes=self.host.memory_used(),
            requests=self.requests,
            documents=[
                DocumentStats(d.uri, d.version, d.handle is not None and d.loaded_text == d.text, d.error)
                for d in self.docs.values()
            ],
        )

    # -- housekeeping -------------------------------------------------------------------

    def _flush_log(self) -> None:
        try:
            lines = self.host.drain_log()
        except Exception:
            return
        if lines:
            sys.stderr.write("".join(f"[pob] {line}\n" for line in lines))
            sys.stderr.flush()


def die_with_parent() -> None:
    """Linux: be killed when the parent goes, so no orphan keeps PoB's memory (best effort elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:
        os._exit(1)


def redirect_output(log_path: str) -> None:
    """Send fd 1 and 2 to the worker's log file (PoB and Python may print to either)."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def main(argv: list[str] | None = None) -> int:
    """Spawned worker (no zygote): boot PoB, then serve the socket passed as --fd."""
    parser = argparse.ArgumentParser(prog="python -m pob_ls.engine.service.worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    die_with_parent()
    config = config_from_json(args.config)
    sock = socket.socket(fileno=args.fd)
    sock.setblocking(True)
    host = boot_host(config)
    Worker(host, config, sock, forked=False).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
