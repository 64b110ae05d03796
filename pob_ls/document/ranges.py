"""Source ranges: every model object points back at the exact text it came from."""

from __future__ import annotations

from typing import NamedTuple


class TextRange(NamedTuple):
    """Half-open ``[start, end)`` span of code-point offsets into the document text."""

    start: int
    end: int

    def contains(self, offset: int) -> bool:
        """True when ``offset`` lies inside the span (the end is exclusive)."""
        return self.start <= offset < self.end

    def slice(self, text: str) -> str:
        """The text this range covers."""
        return text[self.start : self.end]

    @property
    def length(self) -> int:
        return self.end - self.start


def replace_range(text: str, span: TextRange, new: str) -> str:
    """Return ``text`` with ``span`` replaced by ``new``; edits stay minimal instead of re-serialising."""
    if not 0 <= span.start <= span.end <= len(text):
        raise ValueError(f"range {span} is outside a text of length {len(text)}")
    return text[: span.start] + new + text[span.end :]
