"""`parse_document`: text (XML or share code) in, `PobDocument` with errors out; never raises on bad input."""

from __future__ import annotations

from dataclasses import dataclass

from pob_ls.document.build_section import read_build
from pob_ls.document.config_section import read_config
from pob_ls.document.document import PobDocument, Section
from pob_ls.document.errors import DocumentError
from pob_ls.document.items_section import read_items
from pob_ls.document.ranges import TextRange
from pob_ls.document.share_code import (
    DEFAULT_MAX_DECODED_BYTES,
    ShareCodeError,
    decode_share_code,
    looks_like_share_code,
)
from pob_ls.document.skills_section import read_skills
from pob_ls.document.tree_section import read_tree
from pob_ls.document.xml_tokenizer import parse_xml
from pob_ls.document.xml_tree import XmlNode

ROOT_TAG = "PathOfBuilding"
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class ParseLimits:
    """Bounds that keep hostile input from costing unbounded memory or time."""

    max_chars: int = 20 * 1024 * 1024
    max_depth: int = 100
    max_share_code_bytes: int = DEFAULT_MAX_DECODED_BYTES


DEFAULT_LIMITS = ParseLimits()


def parse_document(text: str | bytes, limits: ParseLimits = DEFAULT_LIMITS) -> PobDocument:
    """Parse a ``.pob`` file: PoB's build XML, or a file holding only a share code."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")  # bad bytes become invalid-char errors
    try:
        return _parse(text, limits)
    except Exception as exc:  # last line of defence: a bug must not take the language server down
        return PobDocument(
            text,
            text,
            [DocumentError(f"internal error while parsing: {exc!r}", TextRange(0, len(text)), "internal")],
        )


def _parse(text: str, limits: ParseLimits) -> PobDocument:
    whole = TextRange(0, len(text))
    if len(text) > limits.max_chars:
        return PobDocument(
            text,
            text,
            [
                DocumentError(
                    f"file too large ({len(text)} characters; limit {limits.max_chars})", whole, "too-large"
                )
            ],
        )
    stripped = text.strip(_WHITESPACE)
    if not stripped:
        return PobDocument(
            text, text, [DocumentError("empty document: expected PoB build XML", whole, "empty")]
        )
    if looks_like_share_code(text):
        return _parse_share_code(text, limits)
    return _parse_xml_document(text, text, limits)


def _parse_share_code(text: str, limits: ParseLimits) -> PobDocument:
    start = len(text) - len(text.lstrip(_WHITESPACE))
    code_range = TextRange(start, len(text.rstrip(_WHITESPACE)))
    try:
        xml = decode_share_code(text, max_bytes=limits.max_share_code_bytes)
    except ShareCodeError as exc:
        return PobDocument(
            "",
            text,
            [DocumentError(str(exc), code_range, "share-code")],
            from_share_code=True,
            share_code_range=code_range,
        )
    document = _parse_xml_document(xml, text, limits)
    document.from_share_code = True
    document.share_code_range = code_range
    return document


def _parse_xml_document(xml: str, source_text: str, limits: ParseLimits) -> PobDocument:
    result = parse_xml(xml, max_depth=limits.max_depth)
    document = PobDocument(xml, source_text, root=result.root)
    if result.error is not None:
        document.errors.append(result.error)
    root = result.root
    if root is None:
        return document
    if root.tag != ROOT_TAG:
        document.errors.append(
            DocumentError(
                f"root element is <{root.tag}>, expected <{ROOT_TAG}>", root.tag_name_range, "wrong-root"
            )
        )
        return document
    _read_sections(document, root)
    if document.build is None and root.closed:
        document.errors.append(
            DocumentError(f"<{ROOT_TAG}> has no <Build> section", root.tag_name_range, "missing-build")
        )
    return document


def _read_sections(document: PobDocument, root: XmlNode) -> None:
    seen: set[str] = set()
    for child in root.children:
        document.sections.append(Section(child, source=child.range.slice(document.text)))
        if child.tag in seen:
            if child.tag in ("Build", "Tree", "Items", "Skills", "Config"):
                document.errors.append(
                    DocumentError(
                        f"duplicate <{child.tag}> section; PoB only reads the first",
                        child.tag_name_range,
                        "duplicate-section",
                        "warning",
                    )
                )
            continue
        seen.add(child.tag)
        if child.tag == "Build":
            document.build = read_build(child)
        elif child.tag == "Tree":
            document.tree = read_tree(child, document.errors)
        elif child.tag == "Items":
            document.items = read_items(child)
        elif child.tag == "Skills":
            document.skills = read_skills(child)
        elif child.tag == "Config":
            document.config = read_config(child)
