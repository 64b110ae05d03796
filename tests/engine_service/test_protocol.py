"""Frames and messages, without an engine: what goes over the pipes is data, never code."""

from __future__ import annotations

import socket
import struct

import pytest

from pob_ls.engine.service.protocol import (
    MAX_FRAME,
    Call,
    DocumentStats,
    ErrorReply,
    ProtocolError,
    TestHook,
    UpdateDocument,
    WorkerConfig,
    WorkerStats,
    config_from_json,
    config_to_json,
    decode,
    encode,
    frame_length,
    read_frame,
    write_frame,
)
from pob_ls.engine.service.service import EngineRequestError, EngineService
from pob_ls.engine.service.worker import Worker


def test_a_message_round_trips_with_its_id() -> None:
    frame = encode(UpdateDocument("file:///a.xml", 7, "<PathOfBuilding/>"), 42)
    assert frame_length(frame[:4]) == len(frame) - 4
    envelope = decode(frame[4:])
    assert envelope.id == 42
    assert envelope.message == UpdateDocument("file:///a.xml", 7, "<PathOfBuilding/>")


def test_nested_stats_and_call_arguments_round_trip() -> None:
    stats = WorkerStats(1, True, 1.5, 10, 20, 3, [DocumentStats("u", 1, False, "bad")])
    assert decode(encode(stats)[4:]).message == stats
    call = Call("u", "whatif", "toggle_node", [123, "x", {"k": [1.5]}])
    assert decode(encode(call, 1)[4:]).message == call


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "Exec", "code": "import os"}',
        b'{"type": "UpdateDocument", "uri": "u", "version": 1}',
        b'{"type": "UpdateDocument", "uri": "u", "version": 1, "text": "", "extra": 1}',
        b'{"type": "Ping", "id": "1"}',
    ],
)
def test_anything_else_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(body)


def test_huge_frames_are_refused_before_reading_them() -> None:
    with pytest.raises(ProtocolError):
        frame_length(struct.pack(">I", MAX_FRAME + 1))


def test_non_finite_numbers_never_reach_the_wire() -> None:
    with pytest.raises(ValueError):
        encode(Call("u", "m", "f", [float("inf")]))


def test_frames_over_a_socket_pair() -> None:
    a, b = socket.socketpair()
    with a, b:
        write_frame(a, ErrorReply("build", "bad tree"), 3)
        write_frame(a, UpdateDocument("u", 1, "é" * 20_000), 4)
        a.shutdown(socket.SHUT_WR)
        first, second = read_frame(b), read_frame(b)
        assert first is not None and first.message == ErrorReply("build", "bad tree")
        assert second is not None and second.message.text == "é" * 20_000
        assert read_frame(b) is None


def test_config_round_trips() -> None:
    config = WorkerConfig(
        "/e", "/e/src", ["/e/runtime/lua"], "2.63.0", lua_max_memory=1 << 30, test_hooks=True
    )
    assert config_from_json(config_to_json(config)) == config


def test_test_hooks_are_refused_by_a_worker_started_without_them() -> None:
    config = WorkerConfig("/e", "/e/src", [], "2.63.0")
    worker = Worker(None, config, None, forked=True)  # type: ignore[arg-type]
    reply = worker.handle(TestHook("loop"))
    assert isinstance(reply, ErrorReply) and reply.kind == "refused"


async def test_test_hooks_are_refused_by_a_production_service(tmp_path: object) -> None:
    from pathlib import Path

    from pob_ls.engine.host.host import EngineFiles

    service = EngineService(EngineFiles(Path("/nowhere"), Path("/nowhere/src"), [], "0"))
    with pytest.raises(EngineRequestError) as info:
        await service.test_hook("loop")
    assert info.value.kind == "refused"
