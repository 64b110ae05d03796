"""Frames and messages, without an engine: what goes over the pipes is data, never code."""

from __future__ import annotations

import json
import socket
import struct
import threading
from types import SimpleNamespace

import pytest

from pob_ls.engine.messages import (
    QUESTION_TYPES,
    WORKER_REQUESTS,
    DescribeConfig,
    DescribeNode,
    GroupAsMainSkill,
    ListCatalog,
    ListStatNames,
    RemoveItem,
    ToggleGem,
)
from pob_ls.engine.service.protocol import (
    MAX_FRAME,
    Accepted,
    Answer,
    Ask,
    DocumentResult,
    DocumentStats,
    ErrorReply,
    GetResult,
    Ping,
    ProtocolError,
    Ready,
    TestHook,
    UnknownMessage,
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


def test_nested_stats_and_questions_round_trip() -> None:
    stats = WorkerStats(1, True, 1.5, 10, 20, 3, [DocumentStats("u", 1, False, "bad")])
    assert decode(encode(stats)[4:]).message == stats
    questions = [
        RemoveItem("Body Armour"),
        ToggleGem(1, 2),
        GroupAsMainSkill(3),
        DescribeNode(123),
        DescribeConfig("enemyIsBoss"),
        ListCatalog(),
        ListStatNames(),
    ]
    assert sorted(type(q).__name__ for q in questions) == sorted(QUESTION_TYPES)
    for question in questions:
        ask = Ask("u", question)
        decoded = decode(encode(ask, 1)[4:]).message
        assert decoded == ask and type(decoded.question) is type(question)
    answer = Answer({"count": 1, "header": "h", "lines": ["a", "b"]})
    assert decode(encode(answer, 1)[4:]).message == answer


def test_a_document_result_says_how_it_was_brought_up_to_date() -> None:
    reply = DocumentResult("u", 3, {}, "incremental", 0.5, ["build", "config"])  # type: ignore[typeddict-item]
    decoded = decode(encode(reply, 9)[4:]).message
    assert decoded == reply and decoded.kind == "incremental:build,config"
    assert DocumentResult("u", 3, {}, "reload", 0.5).kind == "reload"  # type: ignore[typeddict-item]


def test_each_request_names_the_replies_it_gets() -> None:
    assert GetResult.replies == (DocumentResult,)
    assert Ask.replies == (Answer,)
    assert Ping.replies == (Accepted,)
    assert all(cls.replies for cls in WORKER_REQUESTS)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "Exec", "code": "import os"}',
        b'{"type": "UpdateDocument", "uri": "u", "version": 1}',
        b'{"type": "UpdateDocument", "uri": "u", "version": 1, "text": "", "extra": 1}',
        b'{"type": "Ping", "id": "1"}',
        b'{"type": "Ping", "id": true}',
    ],
)
def test_anything_else_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(body)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        # The open door this protocol used to have: any glue function, the mutating ones included.
        ({"type": "Call", "uri": "u", "module": "incremental", "function": "item", "args": []}, "'Call'"),
        ({"type": "Ask", "uri": "u", "question": {"type": "removeItem", "slot": "Helmet"}}, "'removeItem'"),
        ({"type": "Ask", "uri": "u", "question": {"type": "Exec", "code": "os.exit()"}}, "'Exec'"),
        ({"type": "Ask", "uri": "u", "question": {"type": "RemoveItem", "slot": 1}}, "must be str"),
        (
            {"type": "Ask", "uri": "u", "question": {"type": "ToggleGem", "group": 1, "gem": True}},
            "must be int",
        ),
        (
            {"type": "Ask", "uri": "u", "question": {"type": "DescribeNode", "node_id": 1, "x": 2}},
            "unknown fields",
        ),
        ({"type": "Ask", "uri": "u", "question": "RemoveItem"}, "not a JSON object"),
        ({"type": "Ask", "uri": "u"}, "not a JSON object"),
    ],
)
def test_a_request_that_is_not_ours_is_an_unknown_message_with_its_id(
    body: dict[str, object], why: str
) -> None:
    with pytest.raises(UnknownMessage) as info:
        decode(json.dumps({**body, "id": 7}).encode())
    assert info.value.request_id == 7 and why in str(info.value)


def test_a_question_that_is_not_one_of_ours_is_never_sent() -> None:
    class Sneaky(RemoveItem):
        pass

    with pytest.raises(ProtocolError):
        encode(Ask("u", Sneaky("Helmet")), 1)


def test_huge_frames_are_refused_before_reading_them() -> None:
    with pytest.raises(ProtocolError):
        frame_length(struct.pack(">I", MAX_FRAME + 1))


def test_non_finite_numbers_never_reach_the_wire() -> None:
    with pytest.raises(ValueError):
        encode(Answer({"value": float("inf")}))


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


def _serve_stub_worker() -> tuple[socket.socket, threading.Thread]:
    """A real `Worker` loop on a socket pair, over a stand-in host: no PoB needed to test refusals."""
    ours, theirs = socket.socketpair()
    host = SimpleNamespace(
        boot=SimpleNamespace(boot_seconds=0.0, version="0"),
        drain_log=lambda: [],
        memory_used=lambda: 0,
    )
    config = WorkerConfig("/e", "/e/src", [], "0")
    worker = Worker(host, config, theirs, forked=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=worker.serve, daemon=True)
    thread.start()
    ready = read_frame(ours)
    assert ready is not None and isinstance(ready.message, Ready)
    return ours, thread


def _raw_request(sock: socket.socket, body: dict[str, object]) -> object:
    data = json.dumps(body).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)
    reply = read_frame(sock)
    assert reply is not None and reply.id == body.get("id")
    return reply.message


def test_a_worker_refuses_what_is_not_its_request_and_keeps_serving() -> None:
    sock, thread = _serve_stub_worker()
    with sock:
        old_call = {
            "type": "Call",
            "uri": "u",
            "module": "incremental",
            "function": "item",
            "args": [],
            "id": 1,
        }
        reply = _raw_request(sock, old_call)
        assert isinstance(reply, ErrorReply) and reply.kind == "refused"
        assert "unknown message type 'Call'" in reply.message
        forged = {"type": "Ask", "uri": "u", "question": {"type": "Exec", "code": "x"}, "id": 2}
        reply = _raw_request(sock, forged)
        assert isinstance(reply, ErrorReply) and reply.kind == "refused" and "'Exec'" in reply.message
        # A message of ours that is not a request (a reply, an event, the zygote's) is refused too.
        ready = {"type": "Ready", "pid": 1, "forked": False, "boot_seconds": 0.0, "version": "0", "id": 3}
        reply = _raw_request(sock, ready)
        assert isinstance(reply, ErrorReply) and reply.kind == "refused"
        assert "refuses Ready" in reply.message and "UpdateDocument" in reply.message
        # Still serving: a real request is answered.
        write_frame(sock, Ping(), 4)
        pong = read_frame(sock)
        assert pong is not None and pong.id == 4 and isinstance(pong.message, Accepted)
        sock.shutdown(socket.SHUT_WR)
    thread.join(5)
    assert not thread.is_alive()
