"""Hostile and broken builds through the whole server (`pob-ls serve` over stdio, a real client).

The document layer and the engine have their own robustness tests; this checks the server as a whole:
for every input the server answers within a deadline (diagnostics for that version, or a clear error),
its process and its requests stay alive, and afterwards a normal build gets exactly the numbers a fresh
`PobHost` gives. One server serves the module (booting one costs seconds); hypothesis drives the random
mutations with a bounded number of examples.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from pob_ls.document import encode_share_code, parse_document
from tests.conftest import engine_or_skip
from tests.stress.harness import (
    ABSURD_NUMBERS,
    LUA_PAYLOADS,
    SCALE,
    ServerThread,
    build_text,
    change_doc,
    close_doc,
    deep_nesting,
    entity_bomb,
    every_attribute,
    inflation_bomb,
    open_doc,
    reference_stats,
    stat_sheet,
    wait_engine_ready,
    wait_for,
    with_attr,
)

pytestmark = pytest.mark.engine

ANSWER_DEADLINE = 60.0  # seconds for the engine's answer to one input (a full load is 1.5-8 s here)
BASE = "065"
_counter = iter(range(10**6))


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    engine_or_skip()
    try:
        base = build_text(BASE)
    except FileNotFoundError:
        pytest.skip("../shared/builds is absent")
    srv = ServerThread()
    try:
        srv.run(wait_engine_ready(srv.client), 120)
        # A persistent document that random mutations edit in place (incremental updates, fast).
        srv.call(open_doc, srv.client, EDITED, base, 1)
        srv.run(wait_for(lambda: srv.client.record.calculated(EDITED, 1), ANSWER_DEADLINE, "v1"), 90)
        yield srv
    finally:
        srv.close()
        assert srv.client.record.tracebacks() == [], srv.client.record.stderr[-40:]


EDITED = "file:///tmp/pob-ls-stress/edited.pob"
_edited_version = [1]


def _answered(srv: ServerThread, uri: str, version: int, text: str) -> str:
    """Wait until the server answered `version` of `uri`; returns what the answer was."""
    rec = srv.client.record
    doc_ok = parse_document(text).ok
    if doc_ok:  # the engine gets it: wait for its result or its error
        status = srv.run(
            wait_for(lambda: rec.calculated(uri, version), ANSWER_DEADLINE, f"{uri} v{version}"),
            ANSWER_DEADLINE + 5,
        )
        assert status["state"] in ("ready", "error"), status
        kind = status["state"]
    else:  # the text alone is rejected: an error diagnostic at once
        pub = srv.run(
            wait_for(
                lambda: [p for p in rec.publishes if p.uri == uri and p.version == version],
                15,
                f"a publish for {uri} v{version}",
            ),
            20,
        )[-1]
        errors = [d for d in pub.diagnostics if d.severity == types.DiagnosticSeverity.Error]
        assert errors and all(d.message for d in errors), pub.diagnostics
        kind = "document-error"
    assert srv.client.server_returncode is None, "the server died"
    symbols = srv.run(
        srv.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
        15,
    )
    assert symbols is None or isinstance(symbols, list)
    return kind


def feed_new(srv: ServerThread, text: str) -> str:
    """`text` as a newly opened file; closed again after the answer."""
    uri = f"file:///tmp/pob-ls-stress/input-{next(_counter)}.pob"
    srv.call(open_doc, srv.client, uri, text, 1)
    try:
        return _answered(srv, uri, 1, text)
    finally:
        srv.call(close_doc, srv.client, uri)


def feed_edit(srv: ServerThread, text: str) -> str:
    """`text` as the next version of the persistent document (only texts PoB can read go there:
    a text the document layer rejects is not sent to the engine and may not be re-published)."""
    _edited_version[0] += 1
    version = _edited_version[0]
    srv.call(change_doc, srv.client, EDITED, version, text)
    return _answered(srv, EDITED, version, text)


NUMBER_PLACES = (
    (("Build", "level"),),
    (("Gem", "level"), ("Gem", "quality")),
    (("Build", "mainSocketGroup"), ("Skill", "mainActiveSkill")),
)


def _numbers(text: str, value: str, places: tuple[tuple[str, str], ...]) -> str:
    for tag, attr in places:
        text = with_attr(text, tag, attr, value)
    return text


def _unknown_everything(text: str) -> str:
    text = with_attr(text, "Build", "className", "Necrolord")
    text = with_attr(text, "Build", "ascendClassName", "Archmage Supreme")
    text = with_attr(text, "Gem", "nameSpec", "Fireball of Doom")
    text = with_attr(text, "Gem", "skillId", "NoSuchSkill")
    text = with_attr(text, "Spec", "nodes", "999999991,999999992,-5")
    text = with_attr(text, "Spec", "treeVersion", "9_99")
    return text.replace("</PathOfBuilding>", "<Frobnicate x='1'><Zap/></Frobnicate></PathOfBuilding>")


def fixed_inputs(base: str) -> list[tuple[str, str]]:
    """Named hostile inputs: each is fed as a new file."""
    rng = random.Random(6)
    noise = "".join(chr(rng.randrange(0, 256)) for _ in range(65536))
    inputs = [
        ("empty", ""),
        ("whitespace", " \n\t" * 1000),
        ("nul-bytes", "\0" * 4096),
        ("nul-inside-build", base[: len(base) // 2] + "\0\0\0" + base[len(base) // 2 :]),
        ("binary-latin1", noise),
        ("lone-surrogates-ish", base.replace("<Build ", "<Build \ufffe\uffff ", 1)),
        ("50MB", base + " " * (50 * 1024 * 1024)),
        ("deep-nesting-100k", deep_nesting(100_000)),
        ("entity-bomb", entity_bomb()),
        (
            "external-entity",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<PathOfBuilding><Build level="&x;"/></PathOfBuilding>',
        ),
        ("share-code-1GB", inflation_bomb(1.0)),
        ("share-code-of-garbage", "eN" + "A" * 5000),
        ("share-code-of-deep-xml", encode_share_code(deep_nesting(1000))),
        ("unknown-everything", _unknown_everything(base)),
        (
            "unknown-names-only",
            _unknown_everything(base).replace('treeVersion="9_99"', 'treeVersion="3_28"').replace(",-5", ""),
        ),
    ]
    inputs += [
        (f"number-{v}-at-{places[0][0]}.{places[0][1]}", _numbers(base, v, places))
        for v in ABSURD_NUMBERS
        for places in NUMBER_PLACES
    ]
    inputs += [(f"lua-in-every-attribute-{i}", every_attribute(base, p)) for i, p in enumerate(LUA_PAYLOADS)]
    inputs += [
        (f"lua-in-every-string-attribute-{i}", every_attribute(base, p, strings_only=True))
        for i, p in enumerate(LUA_PAYLOADS)
    ]
    return inputs


def test_hostile_inputs_each_get_an_answer(server: ServerThread) -> None:
    base = build_text(BASE)
    outcomes: dict[str, str] = {}
    for name, text in fixed_inputs(base):
        outcomes[name] = feed_edit(server, text) if parse_document(text).ok else feed_new(server, text)
    print("outcomes:", outcomes)
    print("tally:", {k: list(outcomes.values()).count(k) for k in sorted(set(outcomes.values()))})
    assert outcomes["50MB"] == outcomes["entity-bomb"] == outcomes["share-code-1GB"] == "document-error"
    assert outcomes["deep-nesting-100k"] == "document-error"


@settings(
    max_examples=12 * SCALE,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_mutations_of_a_real_build(server: ServerThread, data: st.DataObject) -> None:
    base = build_text(BASE)
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert-nul", "splice"]))
    raw = base.encode("utf-8")
    if kind == "truncate":
        cut = data.draw(st.integers(0, len(raw)))
        text = raw[:cut].decode("utf-8", "replace")
    elif kind == "flip":
        flips = data.draw(
            st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(1, 255)), min_size=1, max_size=8)
        )
        b = bytearray(raw)
        for at, mask in flips:
            b[at] ^= mask
        text = bytes(b).decode("utf-8", "replace")
    elif kind == "insert-nul":
        at = data.draw(st.integers(0, len(base)))
        text = base[:at] + "\0" + base[at:]
    else:
        a, b2 = sorted(data.draw(st.tuples(st.integers(0, len(base)), st.integers(0, len(base)))))
        text = base[:a] + base[b2:] + base[a:b2]
    if parse_document(text).ok:
        feed_edit(server, text)
    else:
        feed_new(server, text)


def test_after_the_batch_a_normal_build_gets_correct_stats(server: ServerThread) -> None:
    text = build_text("067")
    expected = reference_stats({"067": text})["067"]
    uri = "file:///tmp/pob-ls-stress/after-batch-067.pob"
    server.call(open_doc, server.client, uri, text, 1)
    server.run(wait_for(lambda: server.client.record.calculated(uri, 1), ANSWER_DEADLINE, "067"), 90)
    sheet: dict[str, Any] = server.run(stat_sheet(server.client, uri), 60)
    assert sheet["result"]["player_stats"] == expected
    # And the persistent document, edited through all the mutations, is back to exact numbers.
    base = build_text(BASE)
    feed_edit(server, base.replace("<Build ", "<Build  ", 1))
    sheet = server.run(stat_sheet(server.client, EDITED), 60)
    assert sheet["result"]["player_stats"] == reference_stats({BASE: base})[BASE]
    assert server.client.server_returncode is None
