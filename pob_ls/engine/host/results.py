"""What one calculation of a build gives: typed, plain Python, and its JSON form.

The JSON form (`BuildResult.to_json`) is `pob_ls.engine.messages.BuildResultJson`, what crosses to
the server; its keys are the glue's (lua/api.lua) in snake_case, never renamed on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

from pob_ls.engine.messages import (
    BuildResultJson,
    EntityJson,
    FactsJson,
    Number,
    OutputValue,
    ProblemJson,
    Severity,
    StatSection,
)


@dataclass(frozen=True)
class DisplayStat:
    """One sidebar stat as PoB shows it, with the output key it comes from."""

    section: StatSection
    stat: str
    label: str
    value: float
    text: str
    warn: bool
    lower_is_better: bool


@dataclass(frozen=True)
class Problem:
    """One of PoB's complaints about a build, tied to the entity in the file that causes it.

    `entity` is a dict with `kind` in build, spec, item, itemLine, slot, group, gem, config,
    plus its keys (itemId, line, slot, group, gem, name): see lua/diagnostics.lua.
    """

    severity: Severity
    code: str
    message: str
    entity: EntityJson

    def sort_key(self) -> tuple[str, str, str]:
        return (self.code, repr(sorted(self.entity.items())), self.message)

    def to_json(self) -> ProblemJson:
        return {"severity": self.severity, "code": self.code, "message": self.message, "entity": self.entity}


@dataclass(frozen=True)
class BuildResult:
    class_name: str | None
    ascend_class_name: str | None
    level: int | None
    tree_version: str | None
    main_socket_group: int | None
    main_skill: str | None
    output_revision: int
    output: dict[str, float | bool | str]
    minion_output: dict[str, float | bool | str] | None
    player_stats: list[tuple[str, float]]
    minion_stats: list[tuple[str, float]]
    display_stats: list[DisplayStat]
    sidebar: list[tuple[str, str]]
    warnings: list[str]
    problems: list[Problem] = field(default_factory=list)
    facts: FactsJson = field(default_factory=lambda: FactsJson())  # what PoB kept: see diagnostics.lua
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> BuildResultJson:
        return {
            "build": {
                "class": self.class_name,
                "ascendancy": self.ascend_class_name,
                "level": self.level,
                "tree_version": self.tree_version,
                "main_socket_group": self.main_socket_group,
                "main_skill": self.main_skill,
            },
            "display_stats": [
                {
                    "section": s.section,
                    "stat": s.stat,
                    "label": s.label,
                    "value": json_number(s.value),
                    "text": s.text,
                    "warn": s.warn,
                }
                for s in self.display_stats
            ],
            "warnings": list(self.warnings),
            "problems": [p.to_json() for p in self.problems],
            "player_stats": {k: json_number(v) for k, v in self.player_stats},
            "minion_stats": {k: json_number(v) for k, v in self.minion_stats},
            "output": {k: json_output(v) for k, v in sorted(self.output.items())},
            "minion_output": (
                {k: json_output(v) for k, v in sorted(self.minion_output.items())}
                if self.minion_output
                else None
            ),
            "sidebar": [list(row) for row in self.sidebar],
            "facts": self.facts,
            "output_revision": self.output_revision,
            "timings": dict(self.timings),
        }


def json_number(value: float) -> Number:
    """JSON has no inf or NaN: they become the strings PoB itself writes ("inf", "-inf", "nan")."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def json_output(value: OutputValue) -> OutputValue:
    """An output value for JSON: numbers as `json_number`, flags and strings as they are."""
    return json_number(value) if isinstance(value, float) else value


def _pairs(rows: Any) -> list[tuple[str, float]]:
    return [(str(r[0]), r[1]) for r in rows or []]


def problems_from_lua(raw: list[dict[str, Any]] | dict[str, Any] | None) -> list[Problem]:
    """Problems in a stable order (Lua gathers them in hash order), duplicates dropped."""
    rows = raw if isinstance(raw, list) else []
    unique: dict[tuple[str, str, str], Problem] = {}
    for r in rows:
        entity = cast(EntityJson, dict(r.get("entity") or {"kind": "build"}))
        p = Problem(cast(Severity, str(r["severity"])), str(r["code"]), str(r["message"]), entity)
        unique[p.sort_key()] = p
    return [unique[k] for k in sorted(unique)]


def result_from_lua(
    raw: dict[str, Any], problems: list[Problem] | None = None, facts: FactsJson | None = None
) -> BuildResult:
    return BuildResult(
        class_name=raw.get("className"),
        ascend_class_name=None
        if raw.get("ascendClassName") in (None, "None")
        else raw.get("ascendClassName"),
        level=raw.get("level"),
        tree_version=raw.get("treeVersion"),
        main_socket_group=raw.get("mainSocketGroup"),
        main_skill=raw.get("mainSkill"),
        output_revision=int(raw.get("outputRevision") or 0),
        output=dict(raw.get("output") or {}),
        minion_output=raw.get("minionOutput") or None,
        player_stats=_pairs(raw.get("playerStats")),
        minion_stats=_pairs(raw.get("minionStats")),
        display_stats=[
            DisplayStat(
                section=d["section"],
                stat=d["stat"],
                label=d["label"],
                value=d["value"],
                text=d["text"],
                warn=bool(d["warn"]),
                lower_is_better=bool(d["lowerIsBetter"]),
            )
            for d in raw.get("displayStats") or []
        ],
        sidebar=[(r[0], r[1]) for r in raw.get("sidebar") or []],
        warnings=list(raw.get("warnings") or []),
        problems=problems or [],
        facts=facts or FactsJson(),
    )
