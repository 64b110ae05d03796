"""The ``<Items>`` section: item texts with per-line ranges, and item sets mapping slots to items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pob_ls.document.element import Element, Entity, NumberedSet
from pob_ls.document.text_lines import TextLine, text_lines
from pob_ls.document.xml_tree import XmlNode

ItemLine = TextLine
_RARITY_PREFIX = "Rarity:"
_RARITIES_WITH_BASE_LINE = ("RARE", "UNIQUE", "RELIC")


@dataclass(eq=False)
class ModRange(Element):
    """``<ModRange id range>``: where in its roll range a variable mod line sits."""

    @property
    def mod_id(self) -> int | None:
        return self.get_int("id")

    @property
    def value(self) -> float | None:
        return self.get_float("range")


@dataclass(eq=False)
class Item(Element):
    """``<Item id>``: ``text`` is the decoded item text, ``lines`` its non-blank lines.

    Lines come in PoB's order: rarity, name, base type, then properties and mod lines.
    """

    text: str = ""
    lines: list[ItemLine] = field(default_factory=list)
    mod_ranges: list[ModRange] = field(default_factory=list)

    @property
    def id(self) -> int | None:
        return self.get_int("id")

    @property
    def rarity(self) -> str | None:
        if self.lines and self.lines[0].text.startswith(_RARITY_PREFIX):
            return self.lines[0].text[len(_RARITY_PREFIX) :].strip().upper()
        return None

    @property
    def name(self) -> str | None:
        """The item's name line (for rares and uniques, the line before the base type)."""
        start = 1 if self.rarity is not None else 0
        return self.lines[start].text if len(self.lines) > start else None

    @property
    def base_name(self) -> str | None:
        if self.rarity in _RARITIES_WITH_BASE_LINE and len(self.lines) > 2:
            return self.lines[2].text
        return self.name

    def sub_entities(self) -> Sequence[Entity]:
        return [*self.lines, *self.mod_ranges]


@dataclass(eq=False)
class Slot(Element):
    """``<Slot name itemId>``: an equipment slot; ``itemId`` 0 means empty."""

    @property
    def name(self) -> str | None:
        return self.get("name")

    @property
    def item_id(self) -> int | None:
        return self.get_int("itemId")


@dataclass(eq=False)
class ItemSet(NumberedSet):
    """``<ItemSet id title>``; ``implicit`` marks the set made of old files' bare ``<Slot>`` children."""

    slots: list[Slot] = field(default_factory=list)

    def slot(self, name: str) -> Slot | None:
        return next((slot for slot in self.slots if slot.name == name), None)

    def sub_entities(self) -> Sequence[Entity]:
        return self.slots


@dataclass(eq=False)
class ItemsSection(Element):
    """``<Items activeItemSet>``."""

    items: list[Item] = field(default_factory=list)
    item_sets: list[ItemSet] = field(default_factory=list)

    @property
    def active_item_set(self) -> int | None:
        return self.get_int("activeItemSet")

    def item(self, item_id: int) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def active(self) -> ItemSet | None:
        wanted = self.active_item_set or 1
        return next(
            (s for s in self.item_sets if s.id == wanted), self.item_sets[0] if self.item_sets else None
        )

    def sub_entities(self) -> Sequence[Entity]:
        explicit = [item_set for item_set in self.item_sets if not item_set.implicit]
        bare_slots = [slot for item_set in self.item_sets if item_set.implicit for slot in item_set.slots]
        return [*self.items, *explicit, *bare_slots]


def read_items(node: XmlNode) -> ItemsSection:
    section = ItemsSection(node)
    bare_slots: list[Slot] = []
    for child in node.children:
        if child.tag == "Item":
            section.items.append(read_item(child))
        elif child.tag == "ItemSet":
            section.item_sets.append(ItemSet(child, slots=[Slot(slot) for slot in child.iter("Slot")]))
        elif child.tag == "Slot":
            bare_slots.append(Slot(child))
    if bare_slots:
        section.item_sets.append(ItemSet(node, slots=bare_slots, implicit=True))
    return section


def read_item(node: XmlNode) -> Item:
    lines = text_lines(node)
    return Item(
        node,
        text=node.text,
        lines=lines,
        mod_ranges=[ModRange(child) for child in node.iter("ModRange")],
    )
