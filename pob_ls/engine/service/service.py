"""The engine service: the asyncio face of PoB for the language server.

PoB runs in worker processes, never in the server: a build can make Lua loop, allocate without
end or crash, and the editor must keep working. The service debounces edits, drops work for
versions that were superseded before it starts, publishes a result only for the version it was
computed from (never older than one already published), and replaces a worker that misses a
deadline or dies, reloading the documents it held from their latest text.

This module is the facade and the calculation flow; the parts live beside it: `documents.py`
(versions and publication rules), `supervisor.py` (worker processes and the zygote), `channel.py`
(request/reply matching on a worker's socket), `zygote_client.py` and `spawn.py`.

Nothing here blocks the event loop: worker sockets are asyncio streams, and the few blocking
steps (starting processes, talking to the zygote) run on one thread the supervisor owns, never
on pygls' thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar, cast

from pob_ls.engine.messages import BuildResultJson, Question, StatusKind
from pob_ls.engine.provisioning.layout import EngineFiles
from pob_ls.engine.service.channel import WorkerGone, WorkerProcess, exchange, log_tail
from pob_ls.engine.service.documents import Document
from pob_ls.engine.service.errors import (
    EngineRequestError,
    LaunchRecord,
    ResultCallback,
    StatusCallback,
    StatusEvent,
)
from pob_ls.engine.service.protocol import (
    Accepted,
    Ask,
    CloseDocument,
    DocumentResult,
    ErrorReply,
    GetResult,
    GetStats,
    OpenDocument,
    Request,
    Shutdown,
    TestHook,
    UpdateDocument,
    WorkerConfig,
    WorkerStats,
    encode,
)
from pob_ls.engine.service.supervisor import Slot, Supervisor

__all__ = ["EngineRequestError", "EngineService", "LaunchRecord", "StatusEvent"]

ReplyT = TypeVar("ReplyT")
AnswerT = TypeVar("AnswerT")


class EngineService:
    """Documents in, results out: PoB in isolated worker processes behind an asyncio API."""

    def __init__(
        self,
        engine_files: EngineFiles,
        *,
        workers: int = 1,
        load_deadline: float = 10.0,
        first_load_deadline: float = 30.0,
        request_deadline: float = 5.0,
        boot_deadline: float = 120.0,
        debounce: float = 0.15,
        memory_budget: int | None = 1536 * 1024 * 1024,
        max_loaded_documents: int | None = 32,
        lua_max_memory: int | None = 2048 * 1024 * 1024,
        rss_limit: int | None = 3 * 1024 * 1024 * 1024,
        cache_dir: Path | None = None,
        log_dir: Path | None = None,
        start_method: str = "auto",
        on_status: StatusCallback | None = None,
        on_result: ResultCallback | None = None,
        test_hooks: bool = False,
    ) -> None:
        if start_method == "auto":
            start_method = "fork" if sys.platform.startswith("linux") else "spawn"
        if start_method not in ("fork", "spawn"):
            raise ValueError(f"start_method must be auto, fork or spawn, not {start_method!r}")
        self.start_method = start_method
        self.load_deadline = load_deadline
        # A document's first load in a worker may meet cold tree data and a cold JIT: 1-3 s idle,
        # several times that on a busy machine. Later updates are held to `load_deadline`.
        self.first_load_deadline = max(first_load_deadline, load_deadline)
        self.request_deadline = request_deadline
        self.boot_deadline = boot_deadline
        self.debounce = debounce
        self.on_status = on_status
        self.on_result = on_result
        self._test_hooks = test_hooks
        self._config = WorkerConfig(
            engine_root=str(engine_files.root),
            script_dir=str(engine_files.script_dir),
            lua_lib_dirs=[str(d) for d in engine_files.lua_lib_dirs],
            version=engine_files.version,
            cache_dir=str(cache_dir) if cache_dir else None,
            lua_max_memory=lua_max_memory,
            memory_budget=memory_budget,
            max_loaded_documents=max_loaded_documents,
            rss_limit=rss_limit,
            test_hooks=test_hooks,
        )
        self._log_dir = log_dir
        self._docs: dict[str, Document] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = False
        self._supervisor = Supervisor(
            self._config,
            workers,
            start_method=start_method,
            boot_deadline=boot_deadline,
            emit=self._emit,
            spawn_task=self._spawn,
            running=lambda: self._started,
            next_id=lambda: next(self._ids),
        )
        self._supervisor.reload = self._reload_documents
        self._slots = self._supervisor.slots

    @property
    def launches(self) -> list[LaunchRecord]:
        """Every worker launch so far, with how long it took."""
        return self._supervisor.launches

    @property
    def evictions(self) -> list[str]:
        """URIs whose build objects a worker freed to stay within its memory budget."""
        return self._supervisor.evictions

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Boot the zygote (or the first workers) and get every worker ready."""
        if self._log_dir is None:
            self._log_dir = Path(tempfile.mkdtemp(prefix="pob-ls-engine-"))
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._supervisor.open(self._log_dir)
        self._started = True
        self._emit("booting", f"starting PoB {self._config.version} ({self.start_method})")
        for slot in self._slots:
            async with slot.lock:
                await self._supervisor.ensure_process(slot)
        self._emit("ready", "the engine is ready")

    async def stop(self) -> None:
        """End every worker and the zygote; pending requests fail with kind `closed`."""
        self._started = False
        for doc in self._docs.values():
            if doc.timer:
                doc.timer.cancel()
            doc.fail_waiters(EngineRequestError("closed", "the engine service stopped", uri=doc.uri))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for slot in self._slots:
            proc = slot.process
            if proc is None:
                continue
            with contextlib.suppress(Exception):
                proc.writer.write(encode(Shutdown(), next(self._ids)))
                await asyncio.wait_for(proc.writer.drain(), 2.0)
                await asyncio.wait_for(asyncio.shield(proc.reader_task or asyncio.sleep(0)), 2.0)
            await self._supervisor.retire(slot, proc)
        await self._supervisor.close()

    # -- documents ----------------------------------------------------------------------

    def update(self, uri: str, version: int, text: str) -> None:
        """A document was opened or changed; it is calculated after `debounce` seconds of quiet."""
        self._check_started()
        doc = self._docs.get(uri)
        if doc is None:
            slot = min(self._slots, key=lambda s: len(s.uris))
            doc = self._docs[uri] = Document(uri, version, text, slot)
            slot.uris.add(uri)
        elif not doc.edit(version, text):
            return
        if doc.timer:
            doc.timer.cancel()
        doc.timer = asyncio.get_running_loop().call_later(self.debounce, self._start_flush, doc)

    def close(self, uri: str) -> None:
        doc = self._docs.pop(uri, None)
        if doc is None:
            return
        if doc.timer:
            doc.timer.cancel()
        doc.slot.uris.discard(uri)
        doc.fail_waiters(EngineRequestError("closed", f"{uri} was closed", uri=uri, version=doc.version))
        doc.slot.closing.append(uri)
        self._spawn(self._close_in_worker(doc.slot))

    async def result(self, uri: str) -> tuple[int, BuildResultJson]:
        """(version, result JSON) for the document's latest version, calculating it now if needed."""
        doc = self._doc(uri)
        if doc.known():
            if doc.error is not None:
                raise doc.error
            assert doc.result is not None
            return doc.version, doc.result
        waiter: asyncio.Future[tuple[int, BuildResultJson]] = asyncio.get_running_loop().create_future()
        doc.waiters.append(waiter)
        if doc.timer:
            doc.timer.cancel()
            doc.timer = None
        self._start_flush(doc)
        return await waiter

    async def refresh(self, uri: str) -> tuple[int, BuildResultJson]:
        """Ask the worker for the result of the text it holds (reloading the build if it was evicted)."""
        doc = self._doc(uri)
        reply = await self._request(doc.slot, GetResult(uri), self.load_deadline, uri=uri)
        return reply.version, reply.result

    async def ask(self, uri: str, question: Question[AnswerT]) -> AnswerT | None:
        """Ask a question (a what-if, the catalog) about the document's latest build; None when the
        build has no such entity. Only the questions in `pob_ls.engine.messages` exist."""
        await self.result(uri)
        doc = self._doc(uri)
        reply = await self._request(doc.slot, Ask(uri, question), self.request_deadline, uri=uri)
        # The worker ran the glue that answers this question type; its JSON is what AnswerT describes.
        return cast("AnswerT | None", reply.value)

    async def stats(self) -> list[WorkerStats]:
        return [await self._request(slot, GetStats(), self.request_deadline) for slot in self._slots]

    def worker_pids(self) -> list[int | None]:
        return [slot.process.pid if slot.process else None for slot in self._slots]

    def log_tail(self, worker: int = 0) -> str:
        proc = self._slots[worker].process
        return log_tail(proc.log_path) if proc else ""

    @property
    def zygote_pid(self) -> int | None:
        zygote = self._supervisor.zygote
        return zygote.proc.pid if zygote else None

    async def test_hook(self, action: str, *, worker: int = 0, code: int = 0) -> None:
        """TEST ONLY: make a worker loop, exhaust its Lua heap or exit. Needs `test_hooks=True`."""
        if not self._test_hooks:
            raise EngineRequestError("refused", "test hooks are disabled")
        # Exhausting a 640 MB heap writes that much memory, seconds on a busy machine: it gets a
        # calculation's deadline, so the test sees the out-of-memory error, not the deadline.
        deadline = self.load_deadline if action == "allocate" else self.request_deadline
        await self._request(self._slots[worker], TestHook(action, code), deadline)

    # -- calculation --------------------------------------------------------------------

    def _start_flush(self, doc: Document) -> None:
        doc.timer = None
        if doc.flush_task and not doc.flush_task.done() and doc.flush_version == doc.version:
            return
        doc.flush_version = doc.version
        doc.flush_task = self._spawn(self._flush(doc, doc.version))

    async def _flush(self, doc: Document, version: int) -> None:
        slot = doc.slot
        async with slot.lock:
            if not self._current(doc, version):
                return  # superseded or already known: dropped before it starts
            try:
                await self._supervisor.ensure_process(slot)
                await self._send_closes(slot)
                if not self._current(doc, version):
                    return
                self._emit("loading", f"calculating {doc.uri} version {version}", doc.uri, slot.index)
                deadline = self.load_deadline if doc.warm else self.first_load_deadline
                reply = await self._send(
                    slot, UpdateDocument(doc.uri, version, doc.text), deadline, doc.uri, version
                )
            except EngineRequestError as exc:
                self._settle_error(doc, version, exc)
                return
        if isinstance(reply, DocumentResult):
            doc.answered()
            self._publish(doc, reply)

    def _current(self, doc: Document, version: int) -> bool:
        return self._docs.get(doc.uri) is doc and doc.needs(version)

    def _publish(self, doc: Document, reply: DocumentResult) -> None:
        if self._docs.get(doc.uri) is not doc or not doc.accept_result(reply.version, reply.result):
            return  # closed, or a newer version is on its way: this result is stale
        self._emit("ready", f"{doc.uri} version {reply.version} calculated ({reply.kind})", doc.uri)
        self._notify(doc.uri, reply.version, reply.result)
        doc.resolve_waiters(reply.version, reply.result)

    def _settle_error(self, doc: Document, version: int, exc: EngineRequestError) -> None:
        if self._docs.get(doc.uri) is not doc or not doc.accept_error(version, exc):
            return
        self._emit("error", exc.message, doc.uri, doc.slot.index)
        self._notify(doc.uri, version, exc)
        doc.fail_waiters(exc)
        if doc.should_retry(version, exc):
            # The worker may have died for reasons of its own (killed, OOM-killed, stopped): without
            # this the latest edit stays uncalculated until the next one. Once only, so a build that
            # really kills or hangs PoB costs one more worker, not an endless cycle.
            self._spawn(self._retry(doc, version))

    async def _retry(self, doc: Document, version: int) -> None:
        task = doc.flush_task
        if task is not None and task is not asyncio.current_task():
            await asyncio.gather(task, return_exceptions=True)
        if self._current(doc, version):
            self._start_flush(doc)

    async def _close_in_worker(self, slot: Slot) -> None:
        async with slot.lock:
            await self._send_closes(slot)

    async def _send_closes(self, slot: Slot) -> None:
        """Closes go first once the lock is held, so no later request sees a closed document."""
        while slot.closing:
            uri = slot.closing.pop(0)
            if slot.process is None or slot.process.gone or uri in slot.uris:
                continue
            with contextlib.suppress(EngineRequestError):
                await self._send(slot, CloseDocument(uri), self.request_deadline, uri)

    async def _reload_documents(self, slot: Slot) -> bool:
        """Give a new worker the latest text of its documents; False if the worker was lost doing it."""
        for uri in sorted(slot.uris):
            doc = self._docs.get(uri)
            if doc is None:
                continue
            message = OpenDocument(uri, doc.version, doc.text, load=not doc.suspect)
            doc.worker_replaced()
            try:
                reply = await self._send(slot, message, self.first_load_deadline, uri, doc.version)
            except EngineRequestError as exc:
                if exc.kind in ("deadline", "crashed"):
                    return False
                self._settle_error(doc, doc.version, exc)
                continue
            if isinstance(reply, DocumentResult):
                self._publish(doc, reply)
            elif isinstance(reply, Accepted):
                continue
        return True

    # -- requests -----------------------------------------------------------------------

    async def _request(
        self, slot: Slot, message: Request[ReplyT], deadline: float, *, uri: str | None = None
    ) -> ReplyT:
        self._check_started()
        async with slot.lock:
            await self._supervisor.ensure_process(slot)
            await self._send_closes(slot)
            return await self._send(slot, message, deadline, uri)

    async def _send(
        self,
        slot: Slot,
        message: Request[ReplyT],
        deadline: float,
        uri: str | None = None,
        version: int | None = None,
    ) -> ReplyT:
        """One request to the slot's worker (the caller holds the slot's lock); failures replace it.
        Returns the reply the message is paired with; any other reply is an engine error."""
        proc = slot.process
        assert proc is not None
        name = type(message).__name__
        try:
            reply = await exchange(proc, message, next(self._ids), deadline)
        except TimeoutError:
            tail = log_tail(proc.log_path)
            await self._lose(slot, proc, uri)
            raise EngineRequestError(
                "deadline",
                f"the PoB engine did not finish {name} within {deadline:g} s; its worker was replaced",
                uri=uri,
                version=version,
                log_tail=tail,
            ) from None
        except (WorkerGone, ConnectionError) as exc:
            status = await self._lose(slot, proc, uri)
            raise EngineRequestError(
                "crashed",
                f"the PoB engine worker (pid {proc.pid}) died during {name} ({status or exc}); "
                "it was replaced",
                uri=uri,
                version=version,
                log_tail=log_tail(proc.log_path),
            ) from None
        if isinstance(reply, ErrorReply):
            tail = log_tail(proc.log_path) if reply.kind in ("engine", "out_of_memory") else ""
            raise EngineRequestError(
                reply.kind,
                reply.message,
                uri=reply.uri or uri,
                version=reply.version or version,
                log_tail=tail,
            )
        if proc.recycle:
            self._spawn(self._supervisor.restart(slot))
        if not isinstance(reply, message.replies):
            raise EngineRequestError(
                "engine", f"the PoB engine worker answered {name} with {type(reply).__name__}", uri=uri
            )
        return cast(ReplyT, reply)

    async def _lose(self, slot: Slot, proc: WorkerProcess, uri: str | None) -> str | None:
        """A worker missed its deadline or died: its document is suspect, the worker replaced."""
        if uri is not None and uri in self._docs:
            self._docs[uri].took_worker_down()
        return await self._supervisor.lose(slot, proc, uri)

    # -- helpers ------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _doc(self, uri: str) -> Document:
        doc = self._docs.get(uri)
        if doc is None:
            raise EngineRequestError("not_found", f"{uri} is not open in the engine", uri=uri)
        return doc

    def _check_started(self) -> None:
        if not self._started:
            raise EngineRequestError("closed", "the engine service is not running")

    def _emit(
        self, kind: StatusKind, message: str, uri: str | None = None, worker: int | None = None
    ) -> None:
        if self.on_status is not None:
            with contextlib.suppress(Exception):
                self.on_status(StatusEvent(kind, message, uri, worker))

    def _notify(self, uri: str, version: int, payload: BuildResultJson | EngineRequestError) -> None:
        if self.on_result is not None:
            with contextlib.suppress(Exception):
                self.on_result(uri, version, payload)
