"""The ``<Config>`` section: configuration inputs, optionally grouped in config sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pob_ls.document.element import Element, Entity, NumberedSet, parse_bool, parse_float
from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_tree import XmlNode

VALUE_KINDS = ("number", "string", "boolean")
_INPUT_TAGS = ("Input", "Placeholder")


@dataclass(eq=False)
class ConfigInput(Element):
    """``<Input name number|string|boolean>`` or ``<Placeholder>`` (a default shown greyed out in PoB)."""

    @property
    def name(self) -> str | None:
        return self.get("name")

    @property
    def is_placeholder(self) -> bool:
        return self.tag == "Placeholder"

    @property
    def kind(self) -> str | None:
        """Which of ``number``, ``string`` or ``boolean`` holds the value."""
        return next((kind for kind in VALUE_KINDS if kind in self.node.values), None)

    @property
    def value(self) -> str | None:
        kind = self.kind
        return None if kind is None else self.get(kind)

    @property
    def value_text_range(self) -> TextRange | None:
        kind = self.kind
        return None if kind is None else self.value_range(kind)

    @property
    def typed_value(self) -> float | bool | str | None:
        kind, value = self.kind, self.value
        if kind == "number":
            return parse_float(value)
        if kind == "boolean":
            return parse_bool(value)
        return value


@dataclass(eq=False)
class ConfigSet(NumberedSet):
    """``<ConfigSet id title>``; ``implicit`` marks old files' inputs placed directly under ``<Config>``."""

    inputs: list[ConfigInput] = field(default_factory=list)

    def input(self, name: str) -> ConfigInput | None:
        """The ``<Input>`` of that name, else its ``<Placeholder>``."""
        matches = [entry for entry in self.inputs if entry.name == name]
        return next((entry for entry in matches if not entry.is_placeholder), matches[0] if matches else None)

    def sub_entities(self) -> Sequence[Entity]:
        return self.inputs


@dataclass(eq=False)
class ConfigSection(Element):
    """``<Config activeConfigSet>``."""

    config_sets: list[ConfigSet] = field(default_factory=list)

    @property
    def active_config_set(self) -> int | None:
        return self.get_int("activeConfigSet")

    def active(self) -> ConfigSet | None:
        wanted = self.active_config_set or 1
        fallback = self.config_sets[0] if self.config_sets else None
        return next((s for s in self.config_sets if s.id == wanted), fallback)

    def sub_entities(self) -> Sequence[Entity]:
        explicit = [config_set for config_set in self.config_sets if not config_set.implicit]
        bare = [
            entry for config_set in self.config_sets if config_set.implicit for entry in config_set.inputs
        ]
        return [*explicit, *bare]


def read_config(node: XmlNode) -> ConfigSection:
    section = ConfigSection(node)
    for child in node.iter("ConfigSet"):
        section.config_sets.append(ConfigSet(child, inputs=_inputs(child)))
    if any(child.tag in _INPUT_TAGS for child in node.children):
        section.config_sets.append(ConfigSet(node, inputs=_inputs(node), implicit=True))
    return section


def _inputs(node: XmlNode) -> list[ConfigInput]:
    return [ConfigInput(child) for child in node.children if child.tag in _INPUT_TAGS]
