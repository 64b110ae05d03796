"""The ``<Tree>`` section: passive tree specs with a range for every allocated node id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pob_ls.document.element import Element, Entity
from pob_ls.document.errors import DocumentError
from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_tree import XmlNode

_LIST_ITEM = re.compile(r"[^,]+")
_MASTERY_PAIR = re.compile(r"\{\s*(\d+)\s*,\s*(\d+)\s*\}")
_SEPARATORS = ", \t\r\n"
_WHITESPACE = " \t\r\n"


@dataclass(eq=False)
class NodeRef:
    """One id in ``nodes="1,2,3"``; ``range`` covers exactly its digits."""

    node_id: int
    range: TextRange

    def sub_entities(self) -> Sequence[Entity]:
        return ()


@dataclass(eq=False)
class MasteryEffect:
    """One ``{node,effect}`` pair of ``masteryEffects``."""

    node_id: int
    effect_id: int
    range: TextRange
    node_range: TextRange
    effect_range: TextRange

    def sub_entities(self) -> Sequence[Entity]:
        return ()


@dataclass(eq=False)
class TreeSocket(Element):
    """``<Socket nodeId itemId/>``: which item sits in a tree jewel socket."""

    @property
    def node_id(self) -> int | None:
        return self.get_int("nodeId")

    @property
    def item_id(self) -> int | None:
        return self.get_int("itemId")


@dataclass(eq=False)
class NodeOverride(Element):
    """``<Override nodeId dn>`` (tattoos, runegrafts): replaces a node's stats with its text."""

    @property
    def node_id(self) -> int | None:
        return self.get_int("nodeId")

    @property
    def name(self) -> str | None:
        return self.get("dn")

    @property
    def text(self) -> str:
        return self.node.text.strip()


@dataclass(eq=False)
class Spec(Element):
    """``<Spec>``: one passive tree; ``index`` is its 1-based position, as ``activeSpec`` counts."""

    index: int = 0
    nodes: list[NodeRef] = field(default_factory=list)
    mastery_effects: list[MasteryEffect] = field(default_factory=list)
    url: str | None = None
    url_range: TextRange | None = None
    sockets: list[TreeSocket] = field(default_factory=list)
    overrides: list[NodeOverride] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return self.get("title")

    @property
    def tree_version(self) -> str | None:
        return self.get("treeVersion")

    @property
    def class_id(self) -> int | None:
        return self.get_int("classId")

    @property
    def ascend_class_id(self) -> int | None:
        return self.get_int("ascendClassId")

    @property
    def secondary_ascend_class_id(self) -> int | None:
        return self.get_int("secondaryAscendClassId")

    @property
    def node_ids(self) -> list[int]:
        return [node.node_id for node in self.nodes]

    def sub_entities(self) -> Sequence[Entity]:
        return [*self.nodes, *self.mastery_effects, *self.sockets, *self.overrides]


@dataclass(eq=False)
class Tree(Element):
    """``<Tree activeSpec>``."""

    specs: list[Spec] = field(default_factory=list)

    @property
    def active_spec(self) -> int | None:
        return self.get_int("activeSpec")

    def active(self) -> Spec | None:
        """The spec PoB shows; PoB falls back to the first one when ``activeSpec`` is off."""
        index = self.active_spec or 1
        if 1 <= index <= len(self.specs):
            return self.specs[index - 1]
        return self.specs[0] if self.specs else None

    def sub_entities(self) -> Sequence[Entity]:
        return self.specs


def read_tree(node: XmlNode, errors: list[DocumentError]) -> Tree:
    tree = Tree(node)
    for index, child in enumerate(node.iter("Spec"), start=1):
        tree.specs.append(read_spec(child, index, errors))
    return tree


def read_spec(node: XmlNode, index: int, errors: list[DocumentError]) -> Spec:
    spec = Spec(node, index=index)
    spec.nodes = _read_node_list(spec, errors)
    spec.mastery_effects = _read_mastery_effects(spec, errors)
    url = node.find("URL")
    if url is not None:
        spec.url, spec.url_range = _stripped_text(url)
    sockets = node.find("Sockets")
    if sockets is not None:
        spec.sockets = [TreeSocket(child) for child in sockets.iter("Socket")]
    overrides = node.find("Overrides")
    if overrides is not None:
        spec.overrides = [NodeOverride(child) for child in overrides.iter("Override")]
    return spec


def _raw_value(spec: Spec, name: str) -> tuple[str, int] | None:
    """The attribute's source text and offset; ids are digits, so source and value agree."""
    value_range = spec.value_range(name)
    if value_range is None:
        return None
    return value_range.slice(spec.node.source), value_range.start


def _read_node_list(spec: Spec, errors: list[DocumentError]) -> list[NodeRef]:
    raw = _raw_value(spec, "nodes")
    if raw is None:
        return []
    text, base = raw
    nodes: list[NodeRef] = []
    for match in _LIST_ITEM.finditer(text):
        item = match.group()
        stripped = item.strip(_WHITESPACE)
        if not stripped:
            continue
        start = base + match.start() + (len(item) - len(item.lstrip(_WHITESPACE)))
        span = TextRange(start, start + len(stripped))
        if stripped.isdigit() and stripped.isascii():
            nodes.append(NodeRef(int(stripped), span))
        else:
            errors.append(DocumentError(f"passive node id {stripped!r} is not a number", span, "bad-value"))
    return nodes


def _read_mastery_effects(spec: Spec, errors: list[DocumentError]) -> list[MasteryEffect]:
    raw = _raw_value(spec, "masteryEffects")
    if raw is None:
        return []
    text, base = raw
    effects: list[MasteryEffect] = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in _SEPARATORS:
            pos += 1
        if pos >= len(text):
            break
        match = _MASTERY_PAIR.match(text, pos)
        if match is None:
            end = text.find("}", pos)
            end = len(text) if end < 0 else end + 1
            errors.append(
                DocumentError(
                    "mastery effect must look like {nodeId,effectId}",
                    TextRange(base + pos, base + end),
                    "bad-value",
                )
            )
            pos = end
            continue
        effects.append(
            MasteryEffect(
                int(match.group(1)),
                int(match.group(2)),
                TextRange(base + match.start(), base + match.end()),
                TextRange(base + match.start(1), base + match.end(1)),
                TextRange(base + match.start(2), base + match.end(2)),
            )
        )
        pos = match.end()
    return effects


def _stripped_text(node: XmlNode) -> tuple[str, TextRange]:
    """Text content without surrounding whitespace, and the source range of that stripped part."""
    if not node.texts:
        return "", TextRange(node.start_tag_end, node.start_tag_end)
    first, last = node.texts[0].range, node.texts[-1].range
    raw = node.source[first.start : last.end]
    start = first.start + len(raw) - len(raw.lstrip(_WHITESPACE))
    end = last.end - (len(raw) - len(raw.rstrip(_WHITESPACE)))
    return node.text.strip(_WHITESPACE), TextRange(start, max(start, end))
