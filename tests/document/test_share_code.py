"""PoB share codes: roundtrip, detection in parse_document, and bounded inflate."""

from __future__ import annotations

import base64
import struct
import tracemalloc
import zlib

import pytest

from pob_ls.document import ShareCodeError, decode_share_code, encode_share_code, parse_document

from .real_builds import read_build

XML = '<PathOfBuilding><Build level="90" className="Witch"/></PathOfBuilding>'


def test_roundtrip() -> None:
    assert decode_share_code(encode_share_code(XML)) == XML


def test_roundtrip_of_a_real_build_with_url_safe_alphabet() -> None:
    text = read_build("067-exsanguinate-trickster-3-28.xml")
    code = encode_share_code(text)
    assert "+" not in code and "/" not in code
    assert decode_share_code(code) == text


def test_standard_alphabet_and_whitespace_are_accepted() -> None:
    standard = base64.b64encode(zlib.compress(XML.encode())).decode()
    assert decode_share_code(f"\n  {standard}\n") == XML
    assert decode_share_code(standard.rstrip("=")) == XML


def test_parse_document_detects_share_code() -> None:
    code = encode_share_code(XML)
    source = f"\n{code}\n"
    document = parse_document(source)
    assert document.errors == []
    assert document.from_share_code and document.text == XML and document.source_text == source
    assert document.share_code_range is not None and document.share_code_range.slice(source) == code
    assert document.build is not None and document.build.level == 90
    level = document.build.value_range("level")
    assert level is not None and level.slice(document.text) == "90"
    assert document.source_range(level) == document.share_code_range


def test_errors_in_decoded_xml_are_flagged_as_share_code_document() -> None:
    document = parse_document(encode_share_code("<PathOfBuilding><Build>"))
    assert document.from_share_code
    (error,) = document.errors
    assert error.code == "unexpected-eof" and error.range.start == len("<PathOfBuilding><Build>")


@pytest.mark.parametrize("code", ["hello", "abcd", "AAAA", encode_share_code(XML)[:-8]])
def test_invalid_share_codes_give_errors(code: str) -> None:
    with pytest.raises(ShareCodeError):
        decode_share_code(code)
    document = parse_document(code)
    (error,) = document.errors
    assert error.code == "share-code" and document.from_share_code and document.text == ""


def test_non_utf8_payload() -> None:
    code = base64.urlsafe_b64encode(zlib.compress(b"<a>\xff</a>")).decode()
    with pytest.raises(ShareCodeError, match="UTF-8"):
        decode_share_code(code)


def _gigabyte_of_zeros_code() -> str:
    """A valid zlib stream of 1 GiB of zeros, built in milliseconds from one repeated flushed block."""
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(
        zlib.Z_FULL_FLUSH
    )  # self-contained after a full flush
    final_block = compressor.flush(zlib.Z_FINISH)[:-4]
    size = 1 << 30
    adler32_of_zeros = ((size % 65521) << 16) | 1
    stream = first + middle * 1023 + final_block + struct.pack(">I", adler32_of_zeros)
    return base64.urlsafe_b64encode(stream).decode()


def test_zip_bomb_is_refused_without_inflating_it() -> None:
    code = _gigabyte_of_zeros_code()
    tracemalloc.start()
    try:
        with pytest.raises(ShareCodeError, match="more than"):
            decode_share_code(code)
        document = parse_document(code)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.errors[0].code == "share-code" and "zip bomb" in document.errors[0].message
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MB while refusing a 1 GiB bomb"


def test_decoded_size_limit_is_configurable() -> None:
    with pytest.raises(ShareCodeError):
        decode_share_code(encode_share_code(XML), max_bytes=10)
