"""The ``<Build>`` section: character, bandit, pantheon and the stats PoB saved with the build."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pob_ls.document.element import Element, Entity
from pob_ls.document.ranges import TextRange
from pob_ls.document.xml_tree import XmlNode


@dataclass(eq=False)
class BuildStat(Element):
    """A saved ``<PlayerStat stat value>`` or ``<MinionStat>``: the GUI's own result, useful as an oracle."""

    @property
    def stat(self) -> str:
        return self.get("stat") or ""

    @property
    def value(self) -> str:
        return self.get("value") or ""

    @property
    def number(self) -> float | None:
        return self.get_float("value")

    @property
    def is_minion(self) -> bool:
        return self.tag == "MinionStat"

    @property
    def stat_range(self) -> TextRange | None:
        return self.value_range("stat")

    @property
    def value_text_range(self) -> TextRange | None:
        return self.value_range("value")


@dataclass(eq=False)
class Build(Element):
    """``<Build>``; attributes are exposed as typed properties, ranges via `value_range`."""

    player_stats: list[BuildStat] = field(default_factory=list)
    minion_stats: list[BuildStat] = field(default_factory=list)
    timeless_data: Element | None = None

    @property
    def level(self) -> int | None:
        return self.get_int("level")

    @property
    def class_name(self) -> str | None:
        return self.get("className")

    @property
    def ascend_class_name(self) -> str | None:
        return self.get("ascendClassName")

    @property
    def main_socket_group(self) -> int | None:
        return self.get_int("mainSocketGroup")

    @property
    def target_version(self) -> str | None:
        return self.get("targetVersion")

    @property
    def bandit(self) -> str | None:
        return self.get("bandit")

    @property
    def pantheon_major_god(self) -> str | None:
        return self.get("pantheonMajorGod")

    @property
    def pantheon_minor_god(self) -> str | None:
        return self.get("pantheonMinorGod")

    def player_stat(self, name: str) -> BuildStat | None:
        """First ``<PlayerStat>`` of that name (PoB may save a stat twice)."""
        return next((stat for stat in self.player_stats if stat.stat == name), None)

    def minion_stat(self, name: str) -> BuildStat | None:
        return next((stat for stat in self.minion_stats if stat.stat == name), None)

    def sub_entities(self) -> Sequence[Entity]:
        extra = [self.timeless_data] if self.timeless_data else []
        return [*self.player_stats, *self.minion_stats, *extra]


def read_build(node: XmlNode) -> Build:
    build = Build(node)
    for child in node.children:
        if child.tag == "PlayerStat":
            build.player_stats.append(BuildStat(child))
        elif child.tag == "MinionStat":
            build.minion_stats.append(BuildStat(child))
        elif child.tag == "TimelessData" and build.timeless_data is None:
            build.timeless_data = Element(child)
    return build
