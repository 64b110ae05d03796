"""The ``<Skills>`` section: skill sets, socket groups (``<Skill>``) and their gems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pob_ls.document.element import Element, Entity, NumberedSet
from pob_ls.document.xml_tree import XmlNode


@dataclass(eq=False)
class Gem(Element):
    """``<Gem>``; typed accessors for the attributes PoB reads, ranges via `value_range`."""

    @property
    def name_spec(self) -> str | None:
        return self.get("nameSpec")

    @property
    def skill_id(self) -> str | None:
        return self.get("skillId")

    @property
    def gem_id(self) -> str | None:
        return self.get("gemId")

    @property
    def variant_id(self) -> str | None:
        return self.get("variantId")

    @property
    def level(self) -> int | None:
        return self.get_int("level")

    @property
    def quality(self) -> int | None:
        return self.get_int("quality")

    @property
    def quality_id(self) -> str | None:
        return self.get("qualityId")

    @property
    def enabled(self) -> bool | None:
        return self.get_bool("enabled")

    @property
    def enable_global1(self) -> bool | None:
        return self.get_bool("enableGlobal1")

    @property
    def enable_global2(self) -> bool | None:
        return self.get_bool("enableGlobal2")

    @property
    def count(self) -> int | None:
        return self.get_int("count")


@dataclass(eq=False)
class SocketGroup(Element):
    """A ``<Skill>`` element; ``index`` is its 1-based position in its set, as ``mainSocketGroup`` counts."""

    index: int = 0
    gems: list[Gem] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        return self.get("label")

    @property
    def slot(self) -> str | None:
        return self.get("slot")

    @property
    def enabled(self) -> bool | None:
        return self.get_bool("enabled")

    @property
    def include_in_full_dps(self) -> bool | None:
        return self.get_bool("includeInFullDPS")

    @property
    def main_active_skill(self) -> int | None:
        return self.get_int("mainActiveSkill")

    @property
    def source(self) -> str | None:
        """Set for groups granted by items or the tree (e.g. ``Tree:35011``)."""
        return self.get("source")

    def sub_entities(self) -> Sequence[Entity]:
        return self.gems


@dataclass(eq=False)
class SkillSet(NumberedSet):
    """``<SkillSet id title>``; ``implicit`` marks the set made of old files' bare ``<Skill>`` children."""

    socket_groups: list[SocketGroup] = field(default_factory=list)

    def socket_group(self, index: int) -> SocketGroup | None:
        """By 1-based index, the way ``mainSocketGroup`` refers to groups."""
        return self.socket_groups[index - 1] if 1 <= index <= len(self.socket_groups) else None

    def sub_entities(self) -> Sequence[Entity]:
        return self.socket_groups


@dataclass(eq=False)
class SkillsSection(Element):
    """``<Skills activeSkillSet>``."""

    skill_sets: list[SkillSet] = field(default_factory=list)

    @property
    def active_skill_set(self) -> int | None:
        return self.get_int("activeSkillSet")

    def active(self) -> SkillSet | None:
        wanted = self.active_skill_set or 1
        return next(
            (s for s in self.skill_sets if s.id == wanted), self.skill_sets[0] if self.skill_sets else None
        )

    def sub_entities(self) -> Sequence[Entity]:
        explicit = [skill_set for skill_set in self.skill_sets if not skill_set.implicit]
        bare = [
            group for skill_set in self.skill_sets if skill_set.implicit for group in skill_set.socket_groups
        ]
        return [*explicit, *bare]


def read_skills(node: XmlNode) -> SkillsSection:
    section = SkillsSection(node)
    for child in node.iter("SkillSet"):
        section.skill_sets.append(SkillSet(child, socket_groups=_socket_groups(child)))
    if any(child.tag == "Skill" for child in node.children):
        section.skill_sets.append(SkillSet(node, socket_groups=_socket_groups(node), implicit=True))
    return section


def _socket_groups(node: XmlNode) -> list[SocketGroup]:
    return [
        SocketGroup(child, index=index, gems=[Gem(gem) for gem in child.iter("Gem")])
        for index, child in enumerate(node.iter("Skill"), start=1)
    ]
