"""Offsets <-> LSP positions (UTF-16 code units), and replace_range."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pob_ls.document import LineIndex, LspPosition, TextRange, parse_document, replace_range


def test_ascii_positions() -> None:
    index = LineIndex("ab\ncd\r\nef\rg")
    assert index.line_count == 4
    assert index.position(0) == LspPosition(0, 0)
    assert index.position(4) == LspPosition(1, 1)
    assert index.position(7) == LspPosition(2, 0)
    assert index.position(10) == LspPosition(3, 0)
    assert index.offset((1, 1)) == 4
    assert index.offset((1, 99)) == 5  # clamps to the end of the line, before \r\n
    assert index.offset((99, 0)) == len("ab\ncd\r\nef\rg")


def test_non_ascii_counts_utf16_units() -> None:
    text = "<Notes>\nél 😀 x\n</Notes>"
    index = LineIndex(text)
    x = text.index("x")
    assert index.position(x) == LspPosition(1, 6)  # é=1, l=1, space=1, 😀=2, space=1
    assert index.offset((1, 6)) == x
    emoji = text.index("😀")
    assert index.offset((1, 4)) == emoji + 1  # UTF-16 offset after the emoji, before the space


def test_positions_in_a_build_with_non_ascii_item() -> None:
    text = (
        '<PathOfBuilding><Build/>\n<Items><Item id="1">\nRarity: UNIQUE\nMjölner 😀 Hammer\nGavel\n'
        "+10 to Strength\n</Item></Items></PathOfBuilding>"
    )
    document = parse_document(text)
    assert document.errors == [] and document.items is not None
    item = document.items.items[0]
    assert item.name == "Mjölner 😀 Hammer"
    mod = item.lines[3]
    start, end = document.line_index.range_to_lsp(mod.range)
    assert (start, end) == (LspPosition(5, 0), LspPosition(5, 15))
    name_start, name_end = document.line_index.range_to_lsp(item.lines[1].range)
    assert (name_start.line, name_start.character, name_end.character) == (3, 0, 17)
    assert document.line_index.lsp_to_range(name_start, name_end) == item.lines[1].range


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60))
def test_offset_position_roundtrip(text: str) -> None:
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        position = index.position(offset)
        back = index.offset(position)
        # Offsets inside a \r\n pair map to the end of the line's content.
        if not (offset > 0 and text[offset - 1 : offset + 1] == "\r\n"):
            assert back == offset


def test_replace_range() -> None:
    assert replace_range("level=90", TextRange(6, 8), "91") == "level=91"
    with pytest.raises(ValueError):
        replace_range("abc", TextRange(2, 9), "x")
