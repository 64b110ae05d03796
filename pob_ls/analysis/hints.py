"""Inlay hints and code lenses: PoB's headline numbers next to the text they come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pob_ls.analysis.anchors import active_group, build_range
from pob_ls.analysis.findings import stale_stats, stored_value
from pob_ls.analysis.numbers import compact
from pob_ls.analysis.sheet import headline
from pob_ls.document import PobDocument, TextRange
from pob_ls.engine.messages import BuildResultJson

ALL_HINT_KINDS = frozenset({"build", "groups", "stats"})
_DPS_KEYS = ("FullDPS", "CombinedDPS", "TotalDPS", "TotalDotDPS")


@dataclass(frozen=True)
class Hint:
    offset: int  # in doc.text; the hint shows after this position
    label: str
    tooltip: str | None
    kind: str


@dataclass(frozen=True)
class Lens:
    range: TextRange
    title: str
    command: str | None = None
    arguments: list[Any] = field(default_factory=list)


def _stat(result: BuildResultJson, key: str) -> object:
    return result["output"].get(key)


def _best_dps(result: BuildResultJson) -> tuple[str, float] | None:
    output = result["output"]
    for key in _DPS_KEYS:
        value = output.get(key)
        if isinstance(value, (int, float)) and value:
            return key, value
    return None


def build_summary(result: BuildResultJson) -> str:
    parts = []
    dps = _best_dps(result)
    if dps:
        parts.append(f"{dps[0].replace('DPS', ' DPS')} {compact(dps[1])}")
    for key, label in (("Life", "Life"), ("EnergyShield", "ES"), ("TotalEHP", "EHP")):
        value = _stat(result, key)
        if isinstance(value, (int, float)) and value > 1:
            parts.append(f"{label} {compact(value)}")
    return " · ".join(parts)


def _group_dps(result: BuildResultJson, doc: PobDocument, index: int) -> str | None:
    if result["build"]["main_socket_group"] == index:
        dps = _best_dps(result)
        return f"{compact(dps[1])} DPS (main)" if dps else "main skill"
    group = active_group(doc, index)
    if group is None:
        return None
    names = {g.name_spec for g in group.gems if g.name_spec}
    total = 0.0
    for row in result["display_stats"]:
        if row["section"] == "fullDPS" and any(n and n in row["label"] for n in names):
            value = row["value"]
            if isinstance(value, (int, float)):
                total += value
    return f"{compact(total)} DPS (full DPS)" if total else None


def inlay_hints(
    doc: PobDocument, result: BuildResultJson, *, kinds: frozenset[str] = ALL_HINT_KINDS
) -> list[Hint]:
    hints: list[Hint] = []
    if "build" in kinds and doc.build is not None:
        summary = build_summary(result)
        if summary:
            hints.append(Hint(doc.build.start_tag_range.end, f" {summary}", headline(result), "build"))
    if "groups" in kinds and doc.skills is not None:
        skill_set = doc.skills.active()
        for group in skill_set.socket_groups if skill_set else []:
            label = _group_dps(result, doc, group.index)
            if label:
                hints.append(Hint(group.start_tag_range.end, f" {label}", None, "groups"))
    if "stats" in kinds:
        for stat, value in stale_stats(doc, result):
            hints.append(
                Hint(
                    stat.range.end,
                    f" now {stored_value(value)}",
                    "PoB computes a different value now",
                    "stats",
                )
            )
    return sorted(hints, key=lambda h: h.offset)


def code_lenses(doc: PobDocument, result: BuildResultJson) -> list[Lens]:
    lenses = []
    top = doc.root
    top_range = TextRange(top.start, top.start + 1 + len(top.tag)) if top is not None else build_range(doc)
    summary = build_summary(result)
    if summary:
        lenses.append(
            Lens(top_range, f"{headline(result).replace('**', '')} — {summary}", "pob.showStatSheet")
        )
    main = result["build"]["main_socket_group"]
    group = active_group(doc, main) if isinstance(main, int) else None
    if group is not None:
        dps = _best_dps(result)
        skill = result["build"]["main_skill"] or "main skill"
        title = f"Main skill: {skill}" + (f" — {compact(dps[1])} {dps[0]}" if dps else "")
        lenses.append(
            Lens(TextRange(group.range.start, group.start_tag_range.end), title, "pob.showStatSheet")
        )
    return lenses
