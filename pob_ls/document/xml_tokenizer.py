"""A small, strict, non-validating XML reader for PoB files that records exact source offsets.

Hand-written because expat reports no attribute-value offsets, and because refusing DTDs
outright is the simplest way to be safe against entity expansion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pob_ls.document.errors import DocumentError, XmlSyntaxError
from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_references import decode_references
from pob_ls.document.xml_tree import XML_NAME, TextSegment, XmlNode

_NAME = XML_NAME
_TAG_OPEN = re.compile(_NAME)
_ATTRIBUTE_START = re.compile(rf"\s+({_NAME})\s*=\s*([\"'])")
_WELL_FORMED_TAG = re.compile(rf"<({_NAME})((?:\s+{_NAME}\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(/?)>")
_WELL_FORMED_ATTRIBUTE = re.compile(rf"\s+({_NAME})\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_TAG_CLOSE = re.compile(r"\s*(/?)>")
_END_TAG = re.compile(rf"</({_NAME})\s*>")
_INVALID_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = " \t\r\n"


@dataclass
class XmlParseResult:
    """The tree read so far and the first fatal error, if any (XML parsing stops at the first one)."""

    root: XmlNode | None
    error: DocumentError | None


def parse_xml(text: str, *, max_depth: int = 100) -> XmlParseResult:
    """Read ``text`` into an `XmlNode` tree; never raises for bad input."""
    bad = _INVALID_CHAR.search(text)
    limit = bad.start() if bad else len(text)
    reader = _Reader(text, limit, max_depth)
    try:
        reader.run()
        error: XmlSyntaxError | None = None
    except XmlSyntaxError as exc:
        error = exc
    if bad is not None and (error is None or error.range.start >= limit):
        char = text[bad.start()]
        error = XmlSyntaxError(
            f"invalid character U+{ord(char):04X} (not allowed in XML)",
            TextRange(bad.start(), bad.start() + 1),
            "invalid-char",
        )
    if error is not None:
        reader.close_open_elements(error.range.start)
    return XmlParseResult(reader.root, error.to_error() if error else None)


class _Reader:
    def __init__(self, text: str, limit: int, max_depth: int) -> None:
        self.text = text
        self.limit = limit
        self.max_depth = max_depth
        self.stack: list[XmlNode] = []
        self.root: XmlNode | None = None

    def run(self) -> None:
        text, limit = self.text, self.limit
        pos = 1 if text.startswith("\ufeff") else 0
        while pos < limit:
            lt = text.find("<", pos, limit)
            if lt < 0:
                lt = limit
            if lt > pos:
                self.character_data(pos, lt)
            if lt >= limit:
                break
            pos = self.markup(lt)
        if self.stack:
            node = self.stack[-1]
            raise XmlSyntaxError(
                f"unexpected end of document: <{node.tag}> (opened at offset {node.start}) is not closed",
                TextRange(limit, limit),
                "unexpected-eof",
            )
        if self.root is None:
            raise XmlSyntaxError("no root element", TextRange(0, limit), "no-root")

    def close_open_elements(self, offset: int) -> None:
        for node in self.stack:
            node.end = offset
            if node.start_tag_end < 0:
                node.start_tag_end = offset
            node.end_tag_start = offset
        self.stack.clear()

    def markup(self, lt: int) -> int:
        text = self.text
        second = text[lt + 1 : lt + 2]
        if second not in ("/", "!", "?"):
            return self.start_tag(lt)
        if second == "/":
            return self.end_tag(lt)
        if text.startswith("<!--", lt):
            return self.skip_to(lt, "-->", "comment")
        if text.startswith("<![CDATA[", lt):
            return self.cdata(lt)
        if text.startswith("<?", lt):
            return self.skip_to(lt, "?>", "processing instruction")
        if text.startswith("<!", lt):
            word = re.match(r"<!([A-Za-z]*)", text[lt : lt + 12])
            keyword = word.group(1) if word else ""
            span = TextRange(lt, lt + 2 + len(keyword))
            if keyword in ("DOCTYPE", "ENTITY"):
                raise XmlSyntaxError(
                    f"<!{keyword}> is not allowed: DTDs and entity declarations are refused for safety",
                    span,
                    keyword.lower(),
                )
            raise XmlSyntaxError("unsupported markup declaration", span)
        return self.start_tag(lt)

    def skip_to(self, lt: int, terminator: str, what: str) -> int:
        end = self.text.find(terminator, lt, self.limit)
        if end < 0:
            raise XmlSyntaxError(
                f"unterminated {what} (opened at offset {lt})",
                TextRange(self.limit, self.limit),
                "unexpected-eof",
            )
        return end + len(terminator)

    def character_data(self, start: int, end: int) -> None:
        if not self.stack:
            stripped = self.text[start:end].lstrip(_WHITESPACE)
            if stripped:
                offset = end - len(stripped)
                where = "before" if self.root is None else "after"
                raise XmlSyntaxError(
                    f"text {where} the root element",
                    TextRange(offset, offset + len(stripped.rstrip(_WHITESPACE))),
                    "junk",
                )
            return
        raw = self.text[start:end]
        if "]]>" in raw:
            at = start + raw.index("]]>")
            raise XmlSyntaxError("']]>' is not allowed in text", TextRange(at, at + 3))
        self.stack[-1].texts.append(TextSegment(TextRange(start, end), decode_references(raw, start)))

    def cdata(self, lt: int) -> int:
        if not self.stack:
            raise XmlSyntaxError("CDATA outside the root element", TextRange(lt, lt + 9), "junk")
        body = lt + 9
        end = self.text.find("]]>", body, self.limit)
        if end < 0:
            raise XmlSyntaxError(
                f"unterminated CDATA section (opened at offset {lt})",
                TextRange(self.limit, self.limit),
                "unexpected-eof",
            )
        self.stack[-1].texts.append(TextSegment(TextRange(body, end), self.text[body:end], cdata=True))
        return end + 3

    def start_tag(self, lt: int) -> int:
        text, limit = self.text, self.limit
        if self.root is not None and not self.stack:
            name = _TAG_OPEN.match(text, lt + 1, limit)
            end = name.end() if name else lt + 1
            raise XmlSyntaxError(
                "a second root element; a document has exactly one", TextRange(lt, end), "junk"
            )
        if len(self.stack) >= self.max_depth:
            name = _TAG_OPEN.match(text, lt + 1, limit)
            end = name.end() if name else lt + 1
            raise XmlSyntaxError(
                f"elements nested deeper than {self.max_depth} levels", TextRange(lt, end), "too-deep"
            )
        match = _WELL_FORMED_TAG.match(text, lt, limit)
        if match is None:
            raise self.start_tag_problem(lt)
        attributes_start, attributes_end = match.start(2), match.end(2)
        values: dict[str, str] = {}
        if attributes_start < attributes_end:
            pairs = _WELL_FORMED_ATTRIBUTE.findall(text, attributes_start, attributes_end)
            values = {name: double or single for name, double, single in pairs}
            if len(values) != len(pairs) or text.find("&", attributes_start, attributes_end) >= 0:
                values = self.checked_attribute_values(match.group(1), attributes_start, attributes_end)
        node = XmlNode(text, match.group(1), lt, values, attributes_start, attributes_end)
        node.start_tag_end = match.end()
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        if match.group(3):
            node.end = node.end_tag_start = match.end()
            node.closed = True
        else:
            self.stack.append(node)
        return match.end()

    def checked_attribute_values(self, tag: str, start: int, end: int) -> dict[str, str]:
        """Slow path for tags with references or duplicate names: decode and locate problems."""
        values: dict[str, str] = {}
        for attribute in _WELL_FORMED_ATTRIBUTE.finditer(self.text, start, end):
            name = attribute.group(1)
            if name in values:
                raise XmlSyntaxError(
                    f"duplicate attribute '{name}' on <{tag}>",
                    TextRange(attribute.start(1), attribute.end(1)),
                )
            group = 2 if attribute.group(2) is not None else 3
            values[name] = decode_references(attribute.group(group), attribute.start(group))
        return values

    def start_tag_problem(self, lt: int) -> XmlSyntaxError:
        """Explain why a start tag is malformed; only runs on the error path."""
        text, limit = self.text, self.limit
        name_match = _TAG_OPEN.match(text, lt + 1, limit)
        if name_match is None:
            if lt + 1 >= limit:
                return XmlSyntaxError(
                    "unexpected end of document after '<'", TextRange(limit, limit), "unexpected-eof"
                )
            return XmlSyntaxError("'<' must start a tag; write &lt; for a literal '<'", TextRange(lt, lt + 1))
        tag = name_match.group()
        pos = name_match.end()
        while True:
            attribute = _ATTRIBUTE_START.match(text, pos, limit)
            if attribute is None:
                break
            name, quote = attribute.group(1), attribute.group(2)
            value_end = text.find(quote, attribute.end(), limit)
            if value_end < 0:
                return XmlSyntaxError(
                    f"attribute '{name}' of <{tag}> has no closing {quote}",
                    TextRange(limit, limit),
                    "unexpected-eof",
                )
            raw = text[attribute.end() : value_end]
            if "<" in raw:
                at = attribute.end() + raw.index("<")
                return XmlSyntaxError(
                    f"'<' is not allowed in the value of '{name}'; write &lt;", TextRange(at, at + 1)
                )
            pos = value_end + 1
        rest = text[pos:limit].lstrip(_WHITESPACE)
        at = limit - len(rest)
        if not rest:
            return XmlSyntaxError(
                f"unexpected end of document inside the start tag <{tag}>",
                TextRange(at, at),
                "unexpected-eof",
            )
        if at == pos and rest[0] not in "/>":
            return XmlSyntaxError(
                f"attributes of <{tag}> must be separated by whitespace", TextRange(at, at + 1)
            )
        lone = re.match(_NAME, rest)
        if lone:
            return XmlSyntaxError(
                f"attribute '{lone.group()}' of <{tag}> needs a quoted value",
                TextRange(at, at + len(lone.group())),
            )
        return XmlSyntaxError(f"malformed start tag <{tag}>: unexpected {rest[0]!r}", TextRange(at, at + 1))

    def end_tag(self, lt: int) -> int:
        match = _END_TAG.match(self.text, lt, self.limit)
        if match is None:
            if self.text.find(">", lt, self.limit) < 0:
                open_tag = self.stack[-1].tag if self.stack else "?"
                raise XmlSyntaxError(
                    f"unexpected end of document inside the end tag of <{open_tag}>",
                    TextRange(self.limit, self.limit),
                    "unexpected-eof",
                )
            raise XmlSyntaxError("malformed end tag", TextRange(lt, lt + 2))
        name_range = TextRange(match.start(1), match.end(1))
        if not self.stack:
            raise XmlSyntaxError(f"end tag </{match.group(1)}> without a start tag", name_range)
        node = self.stack[-1]
        if match.group(1) != node.tag:
            raise XmlSyntaxError(
                f"mismatched end tag: expected </{node.tag}> (opened at offset {node.start}), "
                f"found </{match.group(1)}>",
                name_range,
                "mismatched-tag",
            )
        self.stack.pop()
        node.end_tag_start = lt
        node.end = match.end()
        node.closed = True
        return match.end()
