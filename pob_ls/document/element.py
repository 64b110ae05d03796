"""Common base of the model classes: an XML element with typed attribute access and ranges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_tree import Attribute, XmlNode


class Entity(Protocol):
    """Anything `PobDocument.entity_at` can return: it has a range and may contain smaller entities."""

    @property
    def range(self) -> TextRange: ...

    def sub_entities(self) -> Sequence[Entity]: ...


def parse_int(value: str | None) -> int | None:
    """PoB writes numbers as text and ``nil`` for unset values; both map to ``int | None``."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_bool(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get((value or "").strip())


@dataclass(eq=False)
class Element:
    """A PoB element; keeps its `XmlNode` so every attribute value can be located in the source."""

    node: XmlNode

    @property
    def tag(self) -> str:
        return self.node.tag

    @property
    def range(self) -> TextRange:
        """The whole element, from ``<`` to the end of its end tag."""
        return self.node.range

    @property
    def start_tag_range(self) -> TextRange:
        return self.node.start_tag_range

    @property
    def attributes(self) -> dict[str, Attribute]:
        return self.node.attributes

    def get(self, name: str) -> str | None:
        return self.node.values.get(name)

    def get_int(self, name: str) -> int | None:
        return parse_int(self.node.values.get(name))

    def get_float(self, name: str) -> float | None:
        return parse_float(self.node.values.get(name))

    def get_bool(self, name: str) -> bool | None:
        return parse_bool(self.node.values.get(name))

    def value_range(self, name: str) -> TextRange | None:
        """Where the value of attribute ``name`` sits (without quotes), or None when absent."""
        attribute = self.node.attributes.get(name)
        return None if attribute is None else attribute.value_range

    def sub_entities(self) -> Sequence[Entity]:
        return ()


@dataclass(eq=False)
class NumberedSet(Element):
    """An ``<ItemSet>``, ``<SkillSet>`` or ``<ConfigSet>``: ``id`` and ``title`` attributes.

    ``implicit`` marks the set that old files imply by putting its children straight in the section;
    it is set 1 and has no title.
    """

    implicit: bool = False

    @property
    def id(self) -> int | None:
        return 1 if self.implicit else self.get_int("id")

    @property
    def title(self) -> str | None:
        return None if self.implicit else self.get("title")
