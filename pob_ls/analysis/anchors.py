"""Where in the file an engine entity lives: the range a diagnostic or hint is attached to."""

from __future__ import annotations

import re

from pob_ls.document import Element, Item, PobDocument, SocketGroup, TextRange
from pob_ls.engine.messages import EntityJson

_ITEM_LINE_PREFIX = re.compile(r"^(\{[^}]*\})+")


def tag_name_range(element: Element) -> TextRange:
    """`<Tag` of an element: short, so an underline does not cover a whole section."""
    start = element.range.start
    return TextRange(start, start + 1 + len(element.tag))


def build_range(doc: PobDocument) -> TextRange:
    if doc.build is not None:
        return tag_name_range(doc.build)
    if doc.root is not None:
        return TextRange(doc.root.start, min(doc.root.start + 1 + len(doc.root.tag), len(doc.text)))
    return TextRange(0, min(1, len(doc.text)))


def active_group(doc: PobDocument, index: int) -> SocketGroup | None:
    skill_set = doc.skills.active() if doc.skills else None
    return skill_set.socket_group(index) if skill_set else None


def item_line_range(item: Item, line: str) -> TextRange | None:
    """The line of an item's text that PoB parsed as `line` (PoB strips `{...}` tags first)."""
    wanted = line.strip()
    for text_line in item.lines:
        if _ITEM_LINE_PREFIX.sub("", text_line.text).strip() == wanted:
            return text_line.range
    return None


def entity_range(doc: PobDocument, entity: EntityJson) -> TextRange:
    """The range of an entity the engine reported (engine/host/lua/diagnostics.lua); else <Build>."""
    kind = entity.get("kind")
    found: TextRange | None = None
    if kind in ("item", "itemLine") and doc.items is not None:
        item = doc.items.item(int(entity.get("itemId", -1)))
        if item is not None:
            found = tag_name_range(item)
            if kind == "itemLine":
                found = item_line_range(item, str(entity.get("line", ""))) or found
    elif kind == "slot" and doc.items is not None:
        item_set = doc.items.active()
        slot = item_set.slot(str(entity.get("slot"))) if item_set else None
        if slot is not None:
            found = slot.range
    elif kind in ("group", "gem"):
        group = active_group(doc, int(entity.get("group", 0)))
        if group is not None:
            found = tag_name_range(group)
            gem_index = int(entity.get("gem", 0))
            if kind == "gem" and 1 <= gem_index <= len(group.gems):
                found = group.gems[gem_index - 1].range
    elif kind == "config" and doc.config is not None:
        config_set = doc.config.active()
        config_input = config_set.input(str(entity.get("name"))) if config_set else None
        if config_input is not None:
            found = config_input.range
    elif kind == "spec" and doc.tree is not None:
        spec = doc.tree.active()
        if spec is not None:
            found = tag_name_range(spec)
    return found or build_range(doc)
