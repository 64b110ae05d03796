"""The values a build diff is made of: one side's inputs, a stat delta, a change in the build.

Kept apart from the comparison code so the item, skill and tree comparers can share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pob_ls.document import PobDocument, TextRange

CHANGE_KINDS = ("item", "gem", "socket-group", "node", "mastery", "jewel", "config", "build")
CHANGE_TYPES = ("added", "removed", "changed")


@dataclass(frozen=True)
class NodeInfo:
    """A passive node as that side's engine knows it (name, type, and for masteries the chosen effect)."""

    name: str
    type: str = ""
    stats: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiffSide:
    """One build of a comparison: its parsed text and what the engine said about it.

    ``stats`` is shaped like `pob-ls stats --json` (``build``, ``display_stats``, ``player_stats``,
    ``minion_stats``...); ``nodes`` names this side's allocated nodes and sockets; ``config_labels``
    maps config input names to the labels PoB shows.
    """

    document: PobDocument
    stats: Mapping[str, Any]
    nodes: Mapping[int, NodeInfo] = field(default_factory=dict)
    config_labels: Mapping[str, str] = field(default_factory=dict)

    def line(self, span: TextRange | None) -> int | None:
        """1-based line in the file the user edits (a share code's own line)."""
        if span is None:
            return None
        doc = self.document
        return doc.source_line_index.position(doc.source_range(span).start).line + 1

    def node_name(self, node_id: int) -> str:
        info = self.nodes.get(node_id)
        return info.name if info is not None and info.name else f"node {node_id}"


@dataclass(frozen=True)
class Change:
    """One thing that differs between the builds, named as a player would name it."""

    kind: str
    change: str
    text: str
    old_line: int | None = None
    new_line: int | None = None
    details: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS or self.change not in CHANGE_TYPES:
            raise ValueError(f"bad change {self.kind}/{self.change}")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "change": self.change,
            "text": self.text,
            "old_line": self.old_line,
            "new_line": self.new_line,
        }
        if self.details:
            out["details"] = list(self.details)
        out.update(self.fields)
        return out


@dataclass(frozen=True)
class StatDelta:
    """A saved player or minion stat (the `<PlayerStat>` set) whose value differs, at full precision."""

    stat: str
    old: Any
    new: Any
    delta: Any
    minion: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stat": self.stat, "old": self.old, "new": self.new, "delta": self.delta}
        if self.minion:
            out["minion"] = True
        return out


@dataclass(frozen=True)
class SidebarDelta:
    """A sidebar row whose value differs, with PoB's own text for both values."""

    section: str
    stat: str
    label: str
    old_value: Any
    new_value: Any
    old_text: str | None
    new_text: str | None


@dataclass(frozen=True)
class BuildDiff:
    stats: list[StatDelta]
    sidebar: list[SidebarDelta]
    changes: list[Change]
