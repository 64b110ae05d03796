"""Socket groups and gems of two builds compared, groups paired by what they hold, not by position.

Inserting a group shifts every index after it, so groups are paired first when identical, then by
the gems they share, then by slot; gems inside a pair are matched by name, and what is left over
on both sides at once reads as a swap.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pob_ls.analysis.diff_model import Change, DiffSide
from pob_ls.document import Gem, SocketGroup

# Gem attributes a player changes, with the words used for them.
_GEM_ATTRIBUTES = (
    ("level", "level"),
    ("quality", "quality"),
    ("qualityId", "quality type"),
    ("enabled", "enabled"),
    ("count", "count"),
    ("enableGlobal1", "enabled (part 1)"),
    ("enableGlobal2", "enabled (part 2)"),
)
_GROUP_ATTRIBUTES = (
    ("enabled", "enabled"),
    ("slot", "slot"),
    ("label", "label"),
    ("includeInFullDPS", "in full DPS"),
    ("mainActiveSkill", "main active skill"),
)


def gem_name(gem: Gem) -> str:
    if gem.name_spec:
        return gem.name_spec
    ident = gem.skill_id or (gem.gem_id or "").rsplit("/", 1)[-1] or "unnamed gem"
    return ident


def _is_support(gem: Gem) -> bool:
    return (gem.skill_id or "").startswith("Support") or "SupportGem" in (gem.gem_id or "")


def group_label(group: SocketGroup) -> str:
    """The label, else the active gems' names, with the slot: ``Exsanguinate (Body Armour)``."""
    name = group.label or " + ".join(gem_name(g) for g in group.gems if not _is_support(g))
    name = name or " + ".join(gem_name(g) for g in group.gems) or f"socket group {group.index}"
    return f"{name} ({group.slot})" if group.slot else name


def _file_groups(side: DiffSide) -> list[SocketGroup]:
    """Groups the user wrote: those granted by items or the tree (``source``) follow from the gear."""
    skills = side.document.skills
    active = skills.active() if skills else None
    return [g for g in active.socket_groups if not g.source] if active else []


def _signature(group: SocketGroup) -> tuple[Any, ...]:
    return (group.slot, group.label, tuple(gem_name(g) for g in group.gems))


def pair_groups(
    old: list[SocketGroup], new: list[SocketGroup]
) -> tuple[list[tuple[SocketGroup, SocketGroup]], list[SocketGroup], list[SocketGroup]]:
    """Pairs, then old groups left unpaired (removed), then new ones (added)."""
    pairs: list[tuple[SocketGroup, SocketGroup]] = []
    left_old, left_new = list(old), list(new)

    def take(match: Any) -> None:
        for a in list(left_old):
            best = match(a, left_new)
            if best is not None:
                pairs.append((a, best))
                left_old.remove(a)
                left_new.remove(best)

    take(lambda a, cands: next((b for b in cands if _signature(b) == _signature(a)), None))

    def by_gems(a: SocketGroup, cands: list[SocketGroup]) -> SocketGroup | None:
        names = Counter(gem_name(g) for g in a.gems)
        scored = [
            (
                sum((names & Counter(gem_name(g) for g in b.gems)).values()),
                b.slot == a.slot,
                -abs(b.index - a.index),
                b,
            )
            for b in cands
        ]
        scored = [s for s in scored if s[0] > 0]
        return max(scored, key=lambda s: s[:3])[3] if scored else None

    take(by_gems)
    take(lambda a, cands: next((b for b in cands if a.slot and b.slot == a.slot), None))
    pairs.sort(key=lambda p: p[1].index)
    return pairs, left_old, left_new


def _attr_changes(a: Any, b: Any, attributes: tuple[tuple[str, str], ...]) -> dict[str, list[str | None]]:
    return {name: [a.get(name), b.get(name)] for name, _ in attributes if a.get(name) != b.get(name)}


def _describe(changed: dict[str, list[str | None]], attributes: tuple[tuple[str, str], ...]) -> str:
    words = dict(attributes)
    return ", ".join(f"{words[k]} {v[0] or 'unset'} -> {v[1] or 'unset'}" for k, v in changed.items())


def _gem_where(gem: Gem, where: str) -> str:
    """``Hatred in Herald of Purity + Hatred (Helmet)``; just the gem when it names its group alone."""
    name = gem_name(gem)
    return name if where == name else f"{name} in {where}"


def _gem_changes(old: DiffSide, new: DiffSide, a: SocketGroup, b: SocketGroup) -> list[Change]:
    where = group_label(b)
    changes: list[Change] = []
    left_new = list(b.gems)
    unmatched_old: list[Gem] = []
    for gem in a.gems:
        match = next((g for g in left_new if gem_name(g) == gem_name(gem)), None)
        if match is None:
            unmatched_old.append(gem)
            continue
        left_new.remove(match)
        changed = _attr_changes(gem, match, _GEM_ATTRIBUTES)
        if changed:
            changes.append(
                Change(
                    "gem",
                    "changed",
                    f"{_gem_where(match, where)}: {_describe(changed, _GEM_ATTRIBUTES)}",
                    old.line(gem.range),
                    new.line(match.range),
                    fields={"gem": gem_name(match), "group": where, "attributes": changed},
                )
            )
    for gem, match in zip(unmatched_old, left_new, strict=False):
        changes.append(
            Change(
                "gem",
                "changed",
                f"{where}: {gem_name(gem)} swapped for {gem_name(match)}",
                old.line(gem.range),
                new.line(match.range),
                fields={
                    "group": where,
                    "swapped": True,
                    "old_gem": gem_name(gem),
                    "new_gem": gem_name(match),
                },
            )
        )
    pairs = min(len(unmatched_old), len(left_new))
    for gem in unmatched_old[pairs:]:
        changes.append(
            Change(
                "gem",
                "removed",
                f"{gem_name(gem)} from {where}",
                old.line(gem.range),
                None,
                fields={"gem": gem_name(gem), "group": where},
            )
        )
    for gem in left_new[pairs:]:
        changes.append(
            Change(
                "gem",
                "added",
                f"{gem_name(gem)} to {where}",
                None,
                new.line(gem.range),
                fields={"gem": gem_name(gem), "group": where},
            )
        )
    return changes


def _gem_list(group: SocketGroup) -> tuple[str, ...]:
    return tuple(f"{gem_name(g)} {g.level or '?'}/{g.quality or 0}" for g in group.gems)


def skill_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    """Socket groups added, removed or changed, and the gems inside the groups that stayed."""
    pairs, removed, added = pair_groups(_file_groups(old), _file_groups(new))
    changes: list[Change] = []
    for group in removed:
        changes.append(
            Change(
                "socket-group",
                "removed",
                f"socket group {group_label(group)}",
                old.line(group.start_tag_range),
                None,
                _gem_list(group),
                {"group": group_label(group)},
            )
        )
    for a, b in pairs:
        changed = _attr_changes(a, b, _GROUP_ATTRIBUTES)
        if changed:
            changes.append(
                Change(
                    "socket-group",
                    "changed",
                    f"socket group {group_label(b)}: {_describe(changed, _GROUP_ATTRIBUTES)}",
                    old.line(a.start_tag_range),
                    new.line(b.start_tag_range),
                    fields={"group": group_label(b), "attributes": changed},
                )
            )
        changes.extend(_gem_changes(old, new, a, b))
    for group in added:
        changes.append(
            Change(
                "socket-group",
                "added",
                f"socket group {group_label(group)}",
                None,
                new.line(group.start_tag_range),
                _gem_list(group),
                {"group": group_label(group)},
            )
        )
    return changes


def main_skill_change(old: DiffSide, new: DiffSide) -> Change | None:
    """The main skill, as the engine names it, or the main socket group when only that moved."""
    ob, nb = old.stats.get("build") or {}, new.stats.get("build") or {}
    old_skill, new_skill = ob.get("main_skill"), nb.get("main_skill")
    old_group, new_group = ob.get("main_socket_group"), nb.get("main_socket_group")
    if old_skill == new_skill and old_group == new_group:
        return None
    if old_skill == new_skill:
        text = f"main socket group: {old_group} -> {new_group} (main skill {new_skill or 'none'})"
    else:
        text = f"main skill: {old_skill or 'none'} -> {new_skill or 'none'}"
    spans = [
        side.document.build.value_range("mainSocketGroup") or side.document.build.start_tag_range
        if side.document.build
        else None
        for side in (old, new)
    ]
    return Change(
        "socket-group",
        "changed",
        text,
        old.line(spans[0]),
        new.line(spans[1]),
        fields={"main_skill": [old_skill, new_skill], "main_socket_group": [old_group, new_group]},
    )
