"""How the messages between the engine service and its worker processes travel.

The messages themselves are defined in `pob_ls.engine.messages` (re-exported here for the service's
modules). Frames are a 4-byte big-endian length followed by UTF-8 JSON: never pickle, because a
worker runs PoB on whatever build text an editor sends, and the service must not execute what comes
back. Every message is a frozen dataclass; its JSON carries a `type` tag and, for requests and their
replies, an `id`; an `Ask`'s question carries its own `type` tag. Unknown types and missing or
unknown fields are protocol errors, not guesses: `UnknownMessage` when the frame was otherwise
well formed, so a worker can refuse that one request and keep serving.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pob_ls.engine.messages import (
    MESSAGE_TYPES,
    QUESTION_TYPES,
    WORKER_REQUESTS,
    Accepted,
    Answer,
    Ask,
    CloseDocument,
    DocumentResult,
    DocumentStats,
    ErrorReply,
    Evicted,
    Forked,
    ForkWorker,
    GetResult,
    GetStats,
    OpenDocument,
    Ping,
    Question,
    Ready,
    Reap,
    Reaped,
    RecycleRequested,
    Request,
    Shutdown,
    TestHook,
    UpdateDocument,
    WorkerStats,
)

__all__ = [
    "HEADER_SIZE",
    "MAX_FRAME",
    "MESSAGE_TYPES",
    "WORKER_REQUESTS",
    "Accepted",
    "Answer",
    "Ask",
    "CloseDocument",
    "DocumentResult",
    "DocumentStats",
    "Envelope",
    "ErrorReply",
    "Evicted",
    "ForkWorker",
    "Forked",
    "GetResult",
    "GetStats",
    "OpenDocument",
    "Ping",
    "ProtocolError",
    "Ready",
    "Reap",
    "Reaped",
    "RecycleRequested",
    "Request",
    "Shutdown",
    "TestHook",
    "UnknownMessage",
    "UpdateDocument",
    "WorkerConfig",
    "WorkerStats",
    "config_engine_files",
    "config_from_json",
    "config_to_json",
    "decode",
    "encode",
    "frame_length",
    "read_frame",
    "write_frame",
]

MAX_FRAME = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """A frame that is not one of our messages: the peer is broken or not ours."""


class UnknownMessage(ProtocolError):
    """A well-formed frame (a JSON object with a valid id) that is not one of our messages, or whose
    fields do not fit it: the request `request_id` can be refused without dropping the connection."""

    def __init__(self, message: str, name: str, request_id: int | None) -> None:
        super().__init__(message)
        self.name = name
        self.request_id = request_id


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


@dataclass(frozen=True)
class Envelope:
    """One frame: a message plus the request id it belongs to (None for events)."""

    message: Any
    id: int | None = None


def _fields(message: Any) -> dict[str, Any]:
    """A message's fields as JSON, an `Ask`'s question tagged with its type."""
    if isinstance(message, Ask):
        fields = dataclasses.asdict(cast(Any, message.question))
        question = {"type": type(message.question).__name__, **fields}
        return {"uri": message.uri, "question": question}
    return dataclasses.asdict(message)


def encode(message: Any, request_id: int | None = None) -> bytes:
    """A complete frame for `message`."""
    name = type(message).__name__
    if MESSAGE_TYPES.get(name) is not type(message):
        raise ProtocolError(f"not a protocol message: {name}")
    if isinstance(message, Ask) and QUESTION_TYPES.get(type(message.question).__name__) is not type(
        message.question
    ):
        raise ProtocolError(f"not a question a worker answers: {type(message.question).__name__}")
    body: dict[str, Any] = {"type": name, **_fields(message)}
    if request_id is not None:
        body["id"] = request_id
    try:
        data = json.dumps(body, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON's \u escapes carry it
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("ascii")
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"{name} frame too large ({len(data)} bytes)")
    return _HEADER.pack(len(data)) + data


def _build(cls: type[Any], body: dict[str, Any], what: str) -> Any:
    """`cls(**body)`, refusing unknown and missing fields. Raises TypeError or ValueError."""
    names = {f.name for f in dataclasses.fields(cls)}
    if not names.issuperset(body):
        raise ValueError(f"{what} has unknown fields {sorted(set(body) - names)}")
    return cls(**body)


def _question(raw: Any) -> Question[object]:
    if not isinstance(raw, dict):
        raise ValueError("Ask: its question is not a JSON object")
    body = dict(raw)
    name = str(body.pop("type", ""))
    cls = QUESTION_TYPES.get(name)
    if cls is None:
        raise ValueError(f"Ask: {name!r} is not a question a worker answers ({', '.join(QUESTION_TYPES)})")
    question: Question[object] = _build(cls, body, name)
    for f in dataclasses.fields(cast(Any, question)):
        value = getattr(question, f.name)
        if f.type in ("int", "str") and (type(value).__name__ != f.type):
            raise ValueError(f"Ask: {name}.{f.name} must be {f.type}, not {type(value).__name__}")
    return question


def decode(data: bytes) -> Envelope:
    """The message in a frame body (without its length prefix)."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"frame is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ProtocolError("frame is not a JSON object")
    request_id = body.pop("id", None)
    if request_id is not None and (not isinstance(request_id, int) or isinstance(request_id, bool)):
        raise ProtocolError("frame id is not an integer")
    name = str(body.pop("type", ""))
    cls = MESSAGE_TYPES.get(name)
    if cls is None:
        raise UnknownMessage(f"frame has an unknown message type {name[:80]!r}", name[:80], request_id)
    try:
        if cls is WorkerStats:
            body["documents"] = [DocumentStats(**d) for d in body.get("documents", [])]
        if cls is Ask:
            body["question"] = _question(body.get("question"))
        message = _build(cls, body, cls.__name__)
    except (TypeError, ValueError) as exc:
        raise UnknownMessage(f"{cls.__name__}: {exc}", name, request_id) from exc
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
