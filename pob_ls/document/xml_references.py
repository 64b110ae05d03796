"""Decoding of XML references; only the five predefined entities exist because DTDs are refused."""

from __future__ import annotations

import re

from pob_ls.document.errors import XmlSyntaxError
from pob_ls.document.ranges import TextRange

PREDEFINED_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]{1,8})|#([0-9]{1,10})|([^\W\d][\w.:-]*))?(;?)")


def is_xml_char(code: int) -> bool:
    """The XML 1.0 ``Char`` production."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def decode_references(raw: str, base: int) -> str:
    """Replace character and entity references in ``raw`` (found at offset ``base`` of the document)."""
    if "&" not in raw:
        return raw
    parts: list[str] = []
    last = 0
    for match in _REFERENCE.finditer(raw):
        parts.append(raw[last : match.start()])
        last = match.end()
        span = TextRange(base + match.start(), base + match.end())
        hex_code, dec_code, name, semicolon = match.groups()
        if not semicolon or (hex_code is None and dec_code is None and name is None):
            raise XmlSyntaxError(
                "malformed reference: '&' must start '&name;' or '&#number;' (use &amp;)", span
            )
        if name is not None:
            if name not in PREDEFINED_ENTITIES:
                raise XmlSyntaxError(
                    f"undefined entity '&{name};' (only &amp; &lt; &gt; &quot; &apos;)", span
                )
            parts.append(PREDEFINED_ENTITIES[name])
            continue
        code = int(hex_code, 16) if hex_code is not None else int(dec_code)
        if not is_xml_char(code):
            raise XmlSyntaxError(f"character reference to an invalid XML character ({match.group(0)})", span)
        parts.append(chr(code))
    parts.append(raw[last:])
    return "".join(parts)
