"""Messages between the engine service and its worker processes, and how they travel.

Frames are a 4-byte big-endian length followed by UTF-8 JSON: never pickle, because a worker runs
PoB on whatever build text an editor sends, and the service must not execute what comes back.
Every message is a frozen dataclass; its JSON carries a `type` tag and, for requests and their
replies, an `id`. Unknown types and missing fields are protocol errors, not guesses.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FRAME = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """A frame that is not one of our messages: the peer is broken or not ours."""


# -- configuration handed to a worker (or the zygote) at start-up ------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs to boot PoB and police its own memory."""

    engine_root: str
    script_dir: str
    lua_lib_dirs: list[str]
    version: str
    cache_dir: str | None = None
    lua_max_memory: int | None = None  # lupa's limit for the Lua heap, bytes
    memory_budget: int | None = None  # Lua heap above which least-recently-used builds are freed
    max_loaded_documents: int | None = None  # build objects kept loaded at once
    rss_limit: int | None = None  # resident size above which the worker asks to be replaced
    test_hooks: bool = False  # accept TestHook requests (tests only)


# -- requests (service -> worker) ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenDocument:
    """Hold a document; with `load` false only its text is kept (loaded on first need)."""

    uri: str
    version: int
    text: str
    load: bool = True


@dataclass(frozen=True)
class UpdateDocument:
    uri: str
    version: int
    text: str


@dataclass(frozen=True)
class CloseDocument:
    uri: str


@dataclass(frozen=True)
class GetResult:
    """The result of the document's current text, reloading it if it was evicted."""

    uri: str


@dataclass(frozen=True)
class Call:
    """Call a feature glue function on a document's build (what-ifs): module.function(handle, *args)."""

    uri: str
    module: str
    function: str
    args: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class GetStats:
    pass


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class TestHook:
    """TEST ONLY: `loop` spins Lua forever, `allocate` grows the Lua heap until it fails,
    `exit` ends the process with `code`. Refused unless the worker was started with test hooks."""

    __test__ = False  # not a pytest class
    action: str
    code: int = 0


# -- replies (worker -> service), each echoing the request id -----------------------------------


@dataclass(frozen=True)
class DocumentResult:
    uri: str
    version: int
    result: dict[str, Any]
    kind: str  # how the build was brought up to date: "reload", "incremental:...", "cached"
    seconds: float


@dataclass(frozen=True)
class Accepted:
    """The request was done and has nothing to return (close, lazy open, ping)."""

    pid: int


@dataclass(frozen=True)
class CallResult:
    value: Any


@dataclass(frozen=True)
class DocumentStats:
    uri: str
    version: int
    loaded: bool
    error: str | None


@dataclass(frozen=True)
class WorkerStats:
    pid: int
    forked: bool
    boot_seconds: float
    rss_bytes: int
    lua_memory_bytes: int
    requests: int
    documents: list[DocumentStats]


@dataclass(frozen=True)
class ErrorReply:
    """`kind`: build (PoB rejected the text), out_of_memory, engine, not_found, refused, bad_request."""

    kind: str
    message: str
    uri: str | None = None
    version: int | None = None


# -- events (worker -> service, no id) ----------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    pid: int
    forked: bool
    boot_seconds: float
    version: str


@dataclass(frozen=True)
class Evicted:
    """A build object was freed to stay within the memory budget; its text is kept."""

    uri: str


@dataclass(frozen=True)
class RecycleRequested:
    """The worker grew past its RSS limit even after evicting: replace it when idle."""

    reason: str


# -- zygote control (service <-> zygote) --------------------------------------------------------


@dataclass(frozen=True)
class ForkWorker:
    """Fork a worker; the worker's end of its socket travels alongside this frame (SCM_RIGHTS)."""

    log_path: str


@dataclass(frozen=True)
class Forked:
    pid: int


@dataclass(frozen=True)
class Reap:
    """Collect a dead worker's exit status (the zygote is its parent), waiting up to `timeout`."""

    pid: int
    timeout: float = 1.0


@dataclass(frozen=True)
class Reaped:
    pid: int
    status: str | None  # "exit code 1", "killed by signal 9", or None when still running


MESSAGE_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        OpenDocument,
        UpdateDocument,
        CloseDocument,
        GetResult,
        Call,
        Ping,
        GetStats,
        Shutdown,
        TestHook,
        DocumentResult,
        Accepted,
        CallResult,
        WorkerStats,
        ErrorReply,
        Ready,
        Evicted,
        RecycleRequested,
        ForkWorker,
        Forked,
        Reap,
        Reaped,
    )
}


@dataclass(frozen=True)
class Envelope:
    """One frame: a message plus the request id it belongs to (None for events)."""

    message: Any
    id: int | None = None


def encode(message: Any, request_id: int | None = None) -> bytes:
    """A complete frame for `message`."""
    name = type(message).__name__
    if MESSAGE_TYPES.get(name) is not type(message):
        raise ProtocolError(f"not a protocol message: {name}")
    body: dict[str, Any] = {"type": name, **dataclasses.asdict(message)}
    if request_id is not None:
        body["id"] = request_id
    try:
        data = json.dumps(body, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON's \u escapes carry it
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("ascii")
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"{name} frame too large ({len(data)} bytes)")
    return _HEADER.pack(len(data)) + data


def decode(data: bytes) -> Envelope:
    """The message in a frame body (without its length prefix)."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"frame is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ProtocolError("frame is not a JSON object")
    cls = MESSAGE_TYPES.get(str(body.pop("type", "")))
    if cls is None:
        raise ProtocolError("frame has an unknown message type")
    request_id = body.pop("id", None)
    if request_id is not None and not isinstance(request_id, int):
        raise ProtocolError("frame id is not an integer")
    names = {f.name for f in dataclasses.fields(cls)}
    if not names.issuperset(body):
        raise ProtocolError(f"{cls.__name__} has unknown fields {sorted(set(body) - names)}")
    try:
        if cls is WorkerStats:
            body["documents"] = [DocumentStats(**d) for d in body.get("documents", [])]
        message = cls(**body)
    except TypeError as exc:
        raise ProtocolError(f"{cls.__name__}: {exc}") from exc
    return Envelope(message, request_id)


def frame_length(header: bytes) -> int:
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise ProtocolError(f"frame too large ({length} bytes)")
    return int(length)


HEADER_SIZE = _HEADER.size


# -- blocking helpers for the worker and zygote side ---------------------------------------------


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            if chunks:
                raise ProtocolError("connection closed inside a frame")
            return None
        chunks += chunk
    return bytes(chunks)


def read_frame(sock: socket.socket) -> Envelope | None:
    """The next message from a blocking socket, or None at end of stream."""
    header = _recv_exact(sock, HEADER_SIZE)
    if header is None:
        return None
    body = _recv_exact(sock, frame_length(header))
    if body is None:
        raise ProtocolError("connection closed inside a frame")
    return decode(body)


def write_frame(sock: socket.socket, message: Any, request_id: int | None = None) -> None:
    sock.sendall(encode(message, request_id))


def config_to_json(config: WorkerConfig) -> str:
    return json.dumps(dataclasses.asdict(config))


def config_from_json(text: str) -> WorkerConfig:
    return WorkerConfig(**json.loads(text))


def config_engine_files(config: WorkerConfig) -> tuple[Path, Path, list[Path], str]:
    """The `EngineFiles` fields of a config, as paths."""
    return (
        Path(config.engine_root),
        Path(config.script_dir),
        [Path(d) for d in config.lua_lib_dirs],
        config.version,
    )
