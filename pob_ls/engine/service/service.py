"""The engine service: the asyncio face of PoB for the language server.

PoB runs in worker processes, never in the server: a build can make Lua loop, allocate without
end or crash, and the editor must keep working. The service debounces edits, drops work for
versions that were superseded before it starts, publishes a result only for the version it was
computed from (never older than one already published), and replaces a worker that misses a
deadline or dies, reloading the documents it held from their latest text.

Nothing here blocks the event loop: worker sockets are asyncio streams, and the few blocking
steps (starting processes, talking to the zygote) run on one thread the service owns, never
on pygls' thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pob_ls
from pob_ls.engine.provisioning.layout import EngineFiles
from pob_ls.engine.service.protocol import (
    HEADER_SIZE,
    Accepted,
    Call,
    CallResult,
    CloseDocument,
    DocumentResult,
    ErrorReply,
    Evicted,
    Forked,
    ForkWorker,
    GetResult,
    GetStats,
    OpenDocument,
    ProtocolError,
    Ready,
    Reap,
    Reaped,
    RecycleRequested,
    Shutdown,
    TestHook,
    UpdateDocument,
    WorkerConfig,
    WorkerStats,
    config_to_json,
    decode,
    encode,
    frame_length,
    read_frame,
)

LOG_TAIL_LINES = 25
TRANSIENT_KINDS = frozenset({"deadline", "crashed", "out_of_memory", "boot", "engine"})


class EngineRequestError(Exception):
    """A request the engine could not answer. `kind`: build (PoB rejected the text), deadline,
    crashed, out_of_memory, boot, engine, not_found, closed, refused, bad_request."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        uri: str | None = None,
        version: int | None = None,
        log_tail: str = "",
    ) -> None:
        text = message if not log_tail else f"{message}\n--- engine worker log (last lines) ---\n{log_tail}"
        super().__init__(text)
        self.kind = kind
        self.message = message
        self.uri = uri
        self.version = version
        self.log_tail = log_tail


@dataclass(frozen=True)
class StatusEvent:
    """kind: booting, loading, ready, error, worker_restarted."""

    kind: str
    message: str
    uri: str | None = None
    worker: int | None = None


@dataclass(frozen=True)
class LaunchRecord:
    """How long it took to get one worker ready (fork from the zygote, or a full spawn+boot)."""

    worker: int
    method: str
    pid: int
    seconds: float


StatusCallback = Callable[[StatusEvent], None]
ResultCallback = Callable[[str, int, "dict[str, Any] | EngineRequestError"], None]


class _WorkerGone(Exception):
    pass


@dataclass(eq=False)
class _Process:
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


@dataclass(eq=False)
class _Slot:
    index: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    process: _Process | None = None
    uris: set[str] = field(default_factory=set)
    closing: list[str] = field(default_factory=list)  # closed documents the worker still holds
    launches: int = 0


@dataclass(eq=False)
class _Doc:
    uri: str
    version: int
    text: str
    slot: _Slot
    published_version: int = -(2**62)
    outcome_version: int | None = None  # version whose outcome (result or build error) is known
    result: dict[str, Any] | None = None
    error: EngineRequestError | None = None
    suspect: bool = False  # its last request took its worker down: reload it lazily
    retried_version: int | None = None  # the version already re-sent once after its worker was lost
    warm: bool = False  # its worker has computed it once: later updates get the normal load deadline
    timer: asyncio.TimerHandle | None = None
    flush_task: asyncio.Task[None] | None = None
    flush_version: int | None = None
    waiters: list[asyncio.Future[tuple[int, dict[str, Any]]]] = field(default_factory=list)


def _child_env() -> dict[str, str]:
    """Children import pob_ls from the same place as we do, installed or not."""
    env = dict(os.environ)
    here = str(Path(pob_ls.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    return env


def _child_command(module: str, fd: int, config: WorkerConfig) -> list[str]:
    return [sys.executable, "-m", module, "--fd", str(fd), "--config", config_to_json(config)]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


class _Zygote:
    """The booted parent of forked workers; used only from the service's control thread."""

    def __init__(self, config: WorkerConfig, log_path: Path, boot_deadline: float) -> None:
        self.log_path = log_path
        mine, theirs = socket.socketpair()
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                _child_command("pob_ls.engine.service.zygote", theirs.fileno(), config),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_child_env(),
            )
        theirs.close()
        self.sock = mine
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

    def _ask(self, message: Any, fds: list[int] | None = None) -> Any:
        request_id = next(self._ids)
        frame = encode(message, request_id)
        if fds:
            socket.send_fds(self.sock, [frame], fds)
        else:
            self.sock.sendall(frame)
        envelope = read_frame(self.sock)
        if envelope is None:
            raise ProtocolError("the zygote closed its channel")
        return envelope.message

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
        self._slots = [_Slot(i) for i in range(max(1, workers))]
        self._docs: dict[str, _Doc] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._control: ThreadPoolExecutor | None = None
        self._zygote: _Zygote | None = None
        self._log_counter = itertools.count(1)
        self._started = False
        self.launches: list[LaunchRecord] = []
        self.evictions: list[str] = []

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Boot the zygote (or the first workers) and get every worker ready."""
        if self._log_dir is None:
            self._log_dir = Path(tempfile.mkdtemp(prefix="pob-ls-engine-"))
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._control = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pob-ls-engine-control")
        self._started = True
        self._emit("booting", f"starting PoB {self._config.version} ({self.start_method})")
        for slot in self._slots:
            async with slot.lock:
                await self._ensure_process(slot)
        self._emit("ready", "the engine is ready")

    async def stop(self) -> None:
        """End every worker and the zygote; pending requests fail with kind `closed`."""
        self._started = False
        for doc in self._docs.values():
            if doc.timer:
                doc.timer.cancel()
            self._fail_waiters(doc, EngineRequestError("closed", "the engine service stopped", uri=doc.uri))
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
            await self._retire(slot, proc)
        if self._zygote is not None:
            zygote, self._zygote = self._zygote, None
            await self._in_control(zygote.close)
        if self._control is not None:
            self._control.shutdown(wait=True)
            self._control = None

    # -- documents ----------------------------------------------------------------------

    def update(self, uri: str, version: int, text: str) -> None:
        """A document was opened or changed; it is calculated after `debounce` seconds of quiet."""
        self._check_started()
        doc = self._docs.get(uri)
        if doc is None:
            slot = min(self._slots, key=lambda s: len(s.uris))
            doc = self._docs[uri] = _Doc(uri, version, text, slot)
            slot.uris.add(uri)
        elif version < doc.version or (version == doc.version and text == doc.text):
            return
        else:
            if version == doc.version:
                doc.outcome_version = None
            doc.version, doc.text = version, text
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
        self._fail_waiters(
            doc, EngineRequestError("closed", f"{uri} was closed", uri=uri, version=doc.version)
        )
        doc.slot.closing.append(uri)
        self._spawn(self._close_in_worker(doc.slot))

    async def result(self, uri: str) -> tuple[int, dict[str, Any]]:
        """(version, result JSON) for the document's latest version, calculating it now if needed."""
        doc = self._doc(uri)
        if doc.outcome_version == doc.version:
            if doc.error is not None:
                raise doc.error
            assert doc.result is not None
            return doc.version, doc.result
        waiter: asyncio.Future[tuple[int, dict[str, Any]]] = asyncio.get_running_loop().create_future()
        doc.waiters.append(waiter)
        if doc.timer:
            doc.timer.cancel()
            doc.timer = None
        self._start_flush(doc)
        return await waiter

    async def refresh(self, uri: str) -> tuple[int, dict[str, Any]]:
        """Ask the worker for the result of the text it holds (reloading the build if it was evicted)."""
        doc = self._doc(uri)
        reply = await self._request(doc.slot, GetResult(uri), self.load_deadline, uri=uri)
        assert isinstance(reply, DocumentResult)
        return reply.version, reply.result

    async def call(self, uri: str, module: str, function: str, *args: Any) -> Any:
        """Call a glue function on the document's latest build (what-ifs); JSON in, JSON out."""
        await self.result(uri)
        doc = self._doc(uri)
        reply = await self._request(
            doc.slot, Call(uri, module, function, list(args)), self.request_deadline, uri=uri
        )
        assert isinstance(reply, CallResult)
        return reply.value

    async def stats(self) -> list[WorkerStats]:
        replies = [await self._request(slot, GetStats(), self.request_deadline) for slot in self._slots]
        return [r for r in replies if isinstance(r, WorkerStats)]

    def worker_pids(self) -> list[int | None]:
        return [slot.process.pid if slot.process else None for slot in self._slots]

    def log_tail(self, worker: int = 0) -> str:
        proc = self._slots[worker].process
        return log_tail(proc.log_path) if proc else ""

    @property
    def zygote_pid(self) -> int | None:
        return self._zygote.proc.pid if self._zygote else None

    async def test_hook(self, action: str, *, worker: int = 0, code: int = 0) -> None:
        """TEST ONLY: make a worker loop, exhaust its Lua heap or exit. Needs `test_hooks=True`."""
        if not self._test_hooks:
            raise EngineRequestError("refused", "test hooks are disabled")
        await self._request(self._slots[worker], TestHook(action, code), self.request_deadline)

    # -- calculation --------------------------------------------------------------------

    def _start_flush(self, doc: _Doc) -> None:
        doc.timer = None
        if doc.flush_task and not doc.flush_task.done() and doc.flush_version == doc.version:
            return
        doc.flush_version = doc.version
        doc.flush_task = self._spawn(self._flush(doc, doc.version))

    async def _flush(self, doc: _Doc, version: int) -> None:
        slot = doc.slot
        async with slot.lock:
            if not self._current(doc, version):
                return  # superseded or already known: dropped before it starts
            try:
                await self._ensure_process(slot)
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
            doc.suspect = False
            self._publish(doc, reply)

    def _current(self, doc: _Doc, version: int) -> bool:
        return self._docs.get(doc.uri) is doc and doc.version == version and doc.outcome_version != version

    def _publish(self, doc: _Doc, reply: DocumentResult) -> None:
        if self._docs.get(doc.uri) is not doc or reply.version != doc.version:
            return  # a newer version is on its way: this result is stale
        if reply.version <= doc.published_version:
            return
        doc.published_version = doc.outcome_version = reply.version
        doc.result, doc.error = reply.result, None
        doc.warm = True
        self._emit("ready", f"{doc.uri} version {reply.version} calculated ({reply.kind})", doc.uri)
        self._notify(doc.uri, reply.version, reply.result)
        for waiter in doc.waiters:
            if not waiter.done():
                waiter.set_result((reply.version, reply.result))
        doc.waiters.clear()

    def _settle_error(self, doc: _Doc, version: int, exc: EngineRequestError) -> None:
        if self._docs.get(doc.uri) is not doc or version != doc.version or version <= doc.published_version:
            return
        if exc.kind == "build":
            doc.outcome_version, doc.error = version, exc
        self._emit("error", exc.message, doc.uri, doc.slot.index)
        self._notify(doc.uri, version, exc)
        self._fail_waiters(doc, exc)
        if exc.kind in ("crashed", "deadline") and doc.retried_version != version:
            # The worker may have died for reasons of its own (killed, OOM-killed, stopped): without
            # this the latest edit stays uncalculated until the next one. Once only, so a build that
            # really kills or hangs PoB costs one more worker, not an endless cycle.
            doc.retried_version = version
            self._spawn(self._retry(doc, version))

    async def _retry(self, doc: _Doc, version: int) -> None:
        task = doc.flush_task
        if task is not None and task is not asyncio.current_task():
            await asyncio.gather(task, return_exceptions=True)
        if self._current(doc, version):
            self._start_flush(doc)

    def _fail_waiters(self, doc: _Doc, exc: EngineRequestError) -> None:
        for waiter in doc.waiters:
            if not waiter.done():
                waiter.set_exception(exc)
        doc.waiters.clear()

    async def _close_in_worker(self, slot: _Slot) -> None:
        async with slot.lock:
            await self._send_closes(slot)

    async def _send_closes(self, slot: _Slot) -> None:
        """Closes go first once the lock is held, so no later request sees a closed document."""
        while slot.closing:
            uri = slot.closing.pop(0)
            if slot.process is None or slot.process.gone or uri in slot.uris:
                continue
            with contextlib.suppress(EngineRequestError):
                await self._send(slot, CloseDocument(uri), self.request_deadline, uri)

    # -- requests and worker replacement ------------------------------------------------

    async def _request(self, slot: _Slot, message: Any, deadline: float, *, uri: str | None = None) -> Any:
        self._check_started()
        async with slot.lock:
            await self._ensure_process(slot)
            await self._send_closes(slot)
            return await self._send(slot, message, deadline, uri)

    async def _send(
        self, slot: _Slot, message: Any, deadline: float, uri: str | None = None, version: int | None = None
    ) -> Any:
        """One request to the slot's worker (the caller holds the slot's lock); failures replace it."""
        proc = slot.process
        assert proc is not None
        name = type(message).__name__
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        proc.pending[request_id] = future
        try:
            proc.writer.write(encode(message, request_id))
            async with asyncio.timeout(deadline):
                await proc.writer.drain()
                reply = await future
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
        except (_WorkerGone, ConnectionError) as exc:
            status = await self._lose(slot, proc, uri)
            raise EngineRequestError(
                "crashed",
                f"the PoB engine worker (pid {proc.pid}) died during {name} ({status or exc}); "
                "it was replaced",
                uri=uri,
                version=version,
                log_tail=log_tail(proc.log_path),
            ) from None
        finally:
            proc.pending.pop(request_id, None)
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
            self._spawn(self._restart(slot))
        return reply

    async def _lose(self, slot: _Slot, proc: _Process, uri: str | None) -> str | None:
        """A worker missed its deadline or died: retire it and have a new one take its documents."""
        if uri is not None and uri in self._docs:
            self._docs[uri].suspect = True
        status = await self._retire(slot, proc)
        self._emit("error", f"engine worker {slot.index} (pid {proc.pid}) lost: {status}", uri, slot.index)
        self._spawn(self._restart(slot))
        return status

    async def _restart(self, slot: _Slot) -> None:
        async with slot.lock:
            if self._started:
                with contextlib.suppress(EngineRequestError):
                    await self._ensure_process(slot)

    async def _retire(self, slot: _Slot, proc: _Process) -> str | None:
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
            code = await self._in_control(popen.wait)
            return f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        zygote = self._zygote
        if zygote is None or not zygote.alive():
            return None
        try:
            status: str | None = await self._in_control(zygote.reap, proc.pid, 2.0)
            return status
        except (OSError, ProtocolError):
            return None

    async def _ensure_process(self, slot: _Slot) -> None:
        """A live worker in the slot, holding the slot's documents (the caller holds the lock)."""
        proc = slot.process
        if proc is not None and proc.recycle:
            with contextlib.suppress(Exception):
                proc.writer.write(encode(Shutdown(), next(self._ids)))
                await asyncio.wait_for(proc.writer.drain(), 1.0)
            await self._retire(slot, proc)
        proc = slot.process
        if proc is not None and proc.gone is None:
            return
        if proc is not None:
            status = await self._retire(slot, proc)
            self._emit(
                "error", f"engine worker {slot.index} (pid {proc.pid}) ended: {status}", worker=slot.index
            )
        for _attempt in range(3):
            replacing = slot.launches > 0
            slot.process = await self._launch(slot)
            if replacing:
                self._emit("worker_restarted", f"engine worker {slot.index} restarted", worker=slot.index)
            if await self._reload_documents(slot):
                return
        raise EngineRequestError("boot", "engine workers keep failing while reloading documents")

    async def _reload_documents(self, slot: _Slot) -> bool:
        """Give a new worker the latest text of its documents; False if the worker was lost doing it."""
        for uri in sorted(slot.uris):
            doc = self._docs.get(uri)
            if doc is None:
                continue
            message = OpenDocument(uri, doc.version, doc.text, load=not doc.suspect)
            doc.warm = False
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

    async def _launch(self, slot: _Slot) -> _Process:
        assert self._log_dir is not None
        slot.launches += 1
        log_path = self._log_dir / f"worker-{slot.index}-{next(self._log_counter)}.log"
        start = time.perf_counter()
        popen: subprocess.Popen[bytes] | None = None
        if self.start_method == "fork":
            pid, sock = await self._fork(log_path)
        else:
            pid, sock, popen = await self._in_control(self._spawn_blocking, log_path)
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**20)
        proc = _Process(
            pid, self.start_method, log_path, reader, writer, asyncio.get_running_loop().create_future()
        )
        proc.popen = popen
        proc.reader_task = asyncio.create_task(self._read_loop(proc, slot))
        try:
            async with asyncio.timeout(self.boot_deadline):
                await asyncio.shield(proc.ready)
        except (TimeoutError, _WorkerGone) as exc:
            status = await self._retire(slot, proc)
            raise EngineRequestError(
                "boot", f"an engine worker failed to start ({status or exc})", log_tail=log_tail(log_path)
            ) from None
        self.launches.append(LaunchRecord(slot.index, self.start_method, pid, time.perf_counter() - start))
        return proc

    async def _fork(self, log_path: Path) -> tuple[int, socket.socket]:
        for _attempt in range(2):
            if self._zygote is None or not self._zygote.alive():
                if self._zygote is not None:
                    self._emit("worker_restarted", "the engine zygote died; booting a new one")
                    await self._in_control(self._zygote.close)
                self._emit("booting", f"booting PoB {self._config.version}")
                assert self._log_dir is not None
                zygote_log = self._log_dir / f"zygote-{next(self._log_counter)}.log"
                self._zygote = await self._in_control(_Zygote, self._config, zygote_log, self.boot_deadline)
            zygote = self._zygote
            try:
                forked: tuple[int, socket.socket] = await self._in_control(zygote.fork, log_path)
                return forked
            except (OSError, ProtocolError):
                await self._in_control(zygote.close)
        raise EngineRequestError("boot", "the engine zygote could not fork a worker")

    def _spawn_blocking(self, log_path: Path) -> tuple[int, socket.socket, subprocess.Popen[bytes]]:
        mine, theirs = socket.socketpair()
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                _child_command("pob_ls.engine.service.worker", theirs.fileno(), self._config),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_child_env(),
            )
        theirs.close()
        return popen.pid, mine, popen

    async def _read_loop(self, proc: _Process, slot: _Slot) -> None:
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
                    self.evictions.append(message.uri)
                elif isinstance(message, RecycleRequested):
                    proc.recycle = True
        except asyncio.CancelledError:
            proc.gone = proc.gone or "retired"
            raise
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            proc.gone = f"connection closed ({type(exc).__name__})"
            if slot.process is proc and self._started:
                self._spawn(self._restart(slot))  # died while idle too: its documents move on now
        except ProtocolError as exc:
            proc.gone = f"protocol error: {exc}"
        finally:
            gone = _WorkerGone(proc.gone or "connection closed")
            for future in proc.pending.values():
                if not future.done():
                    future.set_exception(gone)
            if not proc.ready.done():
                proc.ready.set_exception(gone)
                proc.ready.exception()  # retrieved: nobody may be waiting any more

    # -- helpers ------------------------------------------------------------------------

    async def _in_control(self, func: Callable[..., Any], *args: Any) -> Any:
        assert self._control is not None
        return await asyncio.get_running_loop().run_in_executor(self._control, func, *args)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _doc(self, uri: str) -> _Doc:
        doc = self._docs.get(uri)
        if doc is None:
            raise EngineRequestError("not_found", f"{uri} is not open in the engine", uri=uri)
        return doc

    def _check_started(self) -> None:
        if not self._started:
            raise EngineRequestError("closed", "the engine service is not running")

    def _emit(self, kind: str, message: str, uri: str | None = None, worker: int | None = None) -> None:
        if self.on_status is not None:
            with contextlib.suppress(Exception):
                self.on_status(StatusEvent(kind, message, uri, worker))

    def _notify(self, uri: str, version: int, payload: dict[str, Any] | EngineRequestError) -> None:
        if self.on_result is not None:
            with contextlib.suppress(Exception):
                self.on_result(uri, version, payload)
