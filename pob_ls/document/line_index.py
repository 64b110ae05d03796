"""Offsets <-> LSP positions; LSP counts UTF-16 code units, Python strings count code points."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from pob_ls.document.ranges import TextRange

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class LspPosition(NamedTuple):
    """Zero-based line and UTF-16 character, exactly as LSP wants it."""

    line: int
    character: int


def _utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


class LineIndex:
    """Line starts of one text, for converting offsets to LSP positions and back."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0]
        self._content_ends: list[int] = []
        for match in _LINE_BREAK.finditer(text):
            self._content_ends.append(match.start())
            self._starts.append(match.end())
        self._content_ends.append(len(text))

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_range(self, line: int) -> TextRange:
        """Offsets of a line's content, without its line break."""
        return TextRange(self._starts[line], self._content_ends[line])

    def line_of(self, offset: int) -> int:
        return bisect_right(self._starts, self._clamp(offset)) - 1

    def position(self, offset: int) -> LspPosition:
        """LSP position of a code-point offset (clamped to the text)."""
        offset = self._clamp(offset)
        line = self.line_of(offset)
        start = self._starts[line]
        end = min(offset, self._content_ends[line])
        return LspPosition(line, _utf16_length(self._text[start:end]))

    def offset(self, position: LspPosition | tuple[int, int]) -> int:
        """Code-point offset of an LSP position; out-of-range values clamp like LSP clients expect."""
        line, character = position
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        start, end = self._starts[line], self._content_ends[line]
        content = self._text[start:end]
        if content.isascii():
            return start + max(0, min(character, len(content)))
        units = 0
        for index, char in enumerate(content):
            if units >= character:
                return start + index
            units += 2 if ord(char) > 0xFFFF else 1
        return end

    def range_to_lsp(self, span: TextRange) -> tuple[LspPosition, LspPosition]:
        return self.position(span.start), self.position(span.end)

    def lsp_to_range(self, start: tuple[int, int], end: tuple[int, int]) -> TextRange:
        return TextRange(self.offset(start), self.offset(end))

    def _clamp(self, offset: int) -> int:
        return max(0, min(offset, len(self._text)))
