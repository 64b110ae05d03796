"""Garbage, truncations and byte flips never raise out of parse_document."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pob_ls.document import PobDocument, encode_share_code, parse_document

from .real_builds import read_build

SMALL_BUILD = "082-flammability-occultist.xml"


def check_consistent(document: PobDocument) -> None:
    """Whatever came back must be usable: ranges inside the text, lookups that do not crash."""
    length = len(document.text)
    for error in document.errors:
        assert 0 <= error.range.start <= error.range.end <= max(length, len(document.source_text))
        assert error.message
    for section in document.sections:
        assert 0 <= section.range.start <= section.range.end <= length
    for offset in (0, length // 3, length // 2, length - 1):
        document.entity_at(offset)


@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    document = parse_document(text)
    check_consistent(document)
    if not text.strip():
        assert document.errors


@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    check_consistent(parse_document(data))
    check_consistent(parse_document(data.decode("latin-1")))


@given(st.text(alphabet="<>/=\"' &;!?-[]ABab\n", max_size=200))
def test_markup_soup(text: str) -> None:
    check_consistent(parse_document(text))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_truncations_of_a_real_build(data: st.DataObject) -> None:
    text = read_build(SMALL_BUILD)
    cut = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    document = parse_document(text[:cut])
    check_consistent(document)
    closing = text.rindex("</PathOfBuilding>")
    if cut <= closing:
        assert document.errors
        if text[:cut].strip():
            assert document.errors[0].range.end <= cut


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_byte_flips_of_a_real_build(data: st.DataObject) -> None:
    raw = bytearray(read_build(SMALL_BUILD).encode("utf-8"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[position] = data.draw(st.integers(min_value=0, max_value=255))
    check_consistent(parse_document(bytes(raw)))


@settings(max_examples=30)
@given(st.data())
def test_corrupted_share_codes(data: st.DataObject) -> None:
    code = list(encode_share_code(read_build(SMALL_BUILD)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
        code[position] = data.draw(st.sampled_from("ABCxyz019-_="))
    document = parse_document("".join(code))
    assert document.from_share_code
    check_consistent(document)
