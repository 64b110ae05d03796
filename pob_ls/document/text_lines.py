"""Splitting element text into stripped, located lines (item text is read line by line by PoB)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pob_ls.document.element import Entity
from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_references import decode_references
from pob_ls.document.xml_tree import XmlNode

_WHITESPACE = " \t\r\n\f\v"


@dataclass(eq=False)
class TextLine:
    """A non-blank line; ``text`` is stripped and decoded, ``range`` covers only the stripped source."""

    text: str
    range: TextRange

    def sub_entities(self) -> Sequence[Entity]:
        return ()


def text_lines(node: XmlNode) -> list[TextLine]:
    """Non-blank lines of a node's direct text, the way PoB's item parser sees them."""
    lines: list[TextLine] = []
    source = node.source
    for segment in node.texts:
        start = segment.range.start
        raw = source[start : segment.range.end]
        offset = 0
        for piece in raw.split("\n"):
            stripped = piece.strip(_WHITESPACE)
            if stripped:
                begin = start + offset + len(piece) - len(piece.lstrip(_WHITESPACE))
                text = stripped if segment.cdata else decode_references(stripped, begin)
                lines.append(TextLine(text, TextRange(begin, begin + len(stripped))))
            offset += len(piece) + 1
    return lines
