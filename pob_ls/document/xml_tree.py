"""A position-keeping XML tree; each node knows the exact offsets of its tags, attributes and text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pob_ls.document.ranges import TextRange

XML_NAME = r"(?:[^\W\d]|[:_])[\w.:\-\u00B7]*"


@dataclass(slots=True)
class Attribute:
    """One ``name="value"`` pair; ``value`` has references decoded, ``value_range`` excludes the quotes.

    Offsets are stored as plain ints because a build has thousands of attributes.
    """

    name: str
    value: str
    name_start: int
    value_start: int
    value_end: int

    @property
    def name_range(self) -> TextRange:
        return TextRange(self.name_start, self.name_start + len(self.name))

    @property
    def value_range(self) -> TextRange:
        return TextRange(self.value_start, self.value_end)

    @property
    def range(self) -> TextRange:
        """From the name to the closing quote."""
        return TextRange(self.name_start, self.value_end + 1)


@dataclass(slots=True)
class TextSegment:
    """A run of character data between tags; ``range`` is the raw source, ``value`` is decoded."""

    range: TextRange
    value: str
    cdata: bool = False


_ATTRIBUTE = re.compile(rf"\s+({XML_NAME})\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")


@dataclass(eq=False, slots=True)
class XmlNode:
    """An element. ``end`` stays the error offset when the document stopped before ``</tag>``.

    Attribute values are read eagerly into ``values``; their positions (`attributes`) are
    computed on first use, since most attributes are never hovered.
    """

    source: str
    tag: str
    start: int
    values: dict[str, str]
    attributes_start: int
    attributes_end: int
    start_tag_end: int = -1
    end_tag_start: int = -1
    end: int = -1
    closed: bool = False
    children: list[XmlNode] = field(default_factory=list)
    texts: list[TextSegment] = field(default_factory=list)
    _attributes: dict[str, Attribute] | None = None

    @property
    def tag_name_range(self) -> TextRange:
        return TextRange(self.start + 1, self.start + 1 + len(self.tag))

    @property
    def range(self) -> TextRange:
        return TextRange(self.start, self.end)

    @property
    def start_tag_range(self) -> TextRange:
        return TextRange(self.start, self.start_tag_end)

    @property
    def content_range(self) -> TextRange:
        """Between the start tag and the end tag (empty for ``<x/>``)."""
        return TextRange(self.start_tag_end, max(self.start_tag_end, self.end_tag_start))

    @property
    def attributes(self) -> dict[str, Attribute]:
        """Attributes with their source positions, in document order."""
        if self._attributes is None:
            self._attributes = {}
            for match in _ATTRIBUTE.finditer(self.source, self.attributes_start, self.attributes_end):
                group = 2 if match.group(2) is not None else 3
                name = match.group(1)
                self._attributes[name] = Attribute(
                    name, self.values.get(name, ""), match.start(1), match.start(group), match.end(group)
                )
        return self._attributes

    @property
    def text(self) -> str:
        """Direct character data, references decoded (text of children excluded)."""
        return "".join(segment.value for segment in self.texts)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def find(self, tag: str) -> XmlNode | None:
        return next(self.iter(tag), None)

    def iter(self, tag: str) -> Iterator[XmlNode]:
        """Direct children with this tag, in document order."""
        return (child for child in self.children if child.tag == tag)
