"""What changed between two versions of a build: the stats PoB computes, and the build itself, by name.

Pure: two `DiffSide`s (a parsed document and its `pob-ls stats --json` result, plus the node names and
config labels that side's engine gave) in, a `BuildDiff` out. No I/O, no engine calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from pob_ls.analysis.diff_gear import gear_changes
from pob_ls.analysis.diff_model import (
    BuildDiff,
    Change,
    DiffSide,
    NodeInfo,
    SidebarDelta,
    StatDelta,
)
from pob_ls.analysis.diff_skills import main_skill_change, skill_changes
from pob_ls.analysis.diff_tree import tree_changes
from pob_ls.document import ConfigInput, Element

__all__ = [
    "BuildDiff",
    "Change",
    "DiffSide",
    "NodeInfo",
    "SidebarDelta",
    "StatDelta",
    "build_changes",
    "diff_builds",
    "sidebar_deltas",
    "stat_deltas",
    "stat_number",
]

# (document attribute, result key, words) for the character line of <Build>.
_CHARACTER = (
    ("className", "class", "class"),
    ("ascendClassName", "ascendancy", "ascendancy"),
    ("level", "level", "level"),
)
_BUILD_ATTRIBUTES = (
    ("bandit", "bandit"),
    ("pantheonMajorGod", "major pantheon"),
    ("pantheonMinorGod", "minor pantheon"),
)


def diff_builds(old: DiffSide, new: DiffSide) -> BuildDiff:
    return BuildDiff(
        stat_deltas(old.stats, new.stats), sidebar_deltas(old.stats, new.stats), build_changes(old, new)
    )


def stat_number(value: Any) -> float | None:
    """A stat value as a number: JSON carries inf and nan as strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("inf", "-inf", "nan"):
        return float(value)
    return None


def _same(a: Any, b: Any) -> bool:
    x, y = stat_number(a), stat_number(b)
    if x is not None and y is not None:
        return x == y or (math.isnan(x) and math.isnan(y))
    return bool(a == b)


def _delta(a: Any, b: Any) -> Any:
    x, y = stat_number(a), stat_number(b)
    if x is None or y is None:
        return None
    d = y - x
    if math.isnan(d):
        return "nan"
    if math.isinf(d):
        return "inf" if d > 0 else "-inf"
    return d


def _keyed(rows: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(rows or {})


def stat_deltas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[StatDelta]:
    """Saved player then minion stats whose values differ; a stat only one side has counts too."""
    out: list[StatDelta] = []
    for key, minion in (("player_stats", False), ("minion_stats", True)):
        a, b = _keyed(old.get(key)), _keyed(new.get(key))
        for stat in [*b, *(s for s in a if s not in b)]:
            va, vb = a.get(stat), b.get(stat)
            if stat in a and stat in b and _same(va, vb):
                continue
            out.append(StatDelta(stat, va, vb, _delta(va, vb), minion))
    return out


def _sidebar_rows(stats: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Sidebar rows keyed by section and stat (full-DPS rows by their skill label), first one wins."""
    rows: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in stats.get("display_stats") or []:
        stat = str(row.get("stat"))
        key = (str(row.get("section")), str(row.get("label")) if stat == "SkillDPS" else stat)
        rows.setdefault(key, row)
    return rows


def sidebar_deltas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SidebarDelta]:
    """Sidebar rows (PoB's display stats) whose value differs, in the new sidebar's order."""
    a, b = _sidebar_rows(old), _sidebar_rows(new)
    out: list[SidebarDelta] = []
    for key in [*b, *(k for k in a if k not in b)]:
        ra, rb = a.get(key), b.get(key)
        if ra is not None and rb is not None and _same(ra.get("value"), rb.get("value")):
            continue
        row = rb if rb is not None else ra
        assert row is not None
        out.append(
            SidebarDelta(
                section=key[0],
                stat=str(row.get("stat")),
                label=str(row.get("label")),
                old_value=ra.get("value") if ra else None,
                new_value=rb.get("value") if rb else None,
                old_text=str(ra.get("text")) if ra else None,
                new_text=str(rb.get("text")) if rb else None,
            )
        )
    return out


def build_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    """Every change in the build, grouped as a player reads them: character, skills, gear, tree, config."""
    changes = [*_character_changes(old, new)]
    main = main_skill_change(old, new)
    if main is not None:
        changes.append(main)
    changes.extend(skill_changes(old, new))
    changes.extend(gear_changes(old, new))
    changes.extend(tree_changes(old, new))
    changes.extend(config_changes(old, new))
    return changes


def _attr_line(side: DiffSide, element: Element | None, name: str) -> int | None:
    if element is None:
        return None
    return side.line(element.value_range(name) or element.start_tag_range)


def _character_changes(old: DiffSide, new: DiffSide) -> Iterable[Change]:
    ob, nb = old.document.build, new.document.build
    oj, nj = old.stats.get("build") or {}, new.stats.get("build") or {}
    for attr, key, words in _CHARACTER:
        a = oj[key] if key in oj else (ob.get(attr) if ob else None)
        b = nj[key] if key in nj else (nb.get(attr) if nb else None)
        if str(a) != str(b):
            yield Change(
                "build",
                "changed",
                f"{words}: {a or 'none'} -> {b or 'none'}",
                _attr_line(old, ob, attr),
                _attr_line(new, nb, attr),
                fields={"field": key, "old": a, "new": b},
            )
    for attr, words in _BUILD_ATTRIBUTES:
        a = ob.get(attr) if ob else None
        b = nb.get(attr) if nb else None
        if (a or "None") != (b or "None"):
            yield Change(
                "build",
                "changed",
                f"{words}: {a or 'None'} -> {b or 'None'}",
                _attr_line(old, ob, attr),
                _attr_line(new, nb, attr),
                fields={"field": attr, "old": a, "new": b},
            )
    yield from _active_set_changes(old, new)


def _active_set_changes(old: DiffSide, new: DiffSide) -> Iterable[Change]:
    """Which tree, item set, skill set and config set is active, and the tree's version."""
    od, nd = old.document, new.document
    pairs: list[tuple[str, Any, Any]] = [
        ("passive tree", od.tree.active() if od.tree else None, nd.tree.active() if nd.tree else None),
        ("item set", od.items.active() if od.items else None, nd.items.active() if nd.items else None),
        ("skill set", od.skills.active() if od.skills else None, nd.skills.active() if nd.skills else None),
        ("config set", od.config.active() if od.config else None, nd.config.active() if nd.config else None),
    ]
    for words, a, b in pairs:
        ident_a = (getattr(a, "index", None) or getattr(a, "id", None), a.title if a else None)
        ident_b = (getattr(b, "index", None) or getattr(b, "id", None), b.title if b else None)
        if a is not None and b is not None and ident_a != ident_b:
            text = f"active {words}: {_set_name(*ident_a)} -> {_set_name(*ident_b)}"
            yield Change(
                "build",
                "changed",
                text,
                old.line(a.start_tag_range),
                new.line(b.start_tag_range),
                fields={"field": f"active {words}"},
            )
    a_spec, b_spec = pairs[0][1], pairs[0][2]
    if a_spec is not None and b_spec is not None and a_spec.tree_version != b_spec.tree_version:
        yield Change(
            "build",
            "changed",
            f"tree version: {a_spec.tree_version} -> {b_spec.tree_version}",
            _attr_line(old, a_spec, "treeVersion"),
            _attr_line(new, b_spec, "treeVersion"),
            fields={"field": "treeVersion", "old": a_spec.tree_version, "new": b_spec.tree_version},
        )


def _set_name(ident: Any, title: str | None) -> str:
    return f"{ident} ({title})" if title else str(ident)


def _effective_inputs(side: DiffSide) -> dict[str, ConfigInput]:
    """Inputs of the active config set by name: an `<Input>` wins over a `<Placeholder>`."""
    config = side.document.config
    active = config.active() if config else None
    out: dict[str, ConfigInput] = {}
    for entry in active.inputs if active else []:
        name = entry.name
        if name and (name not in out or (out[name].is_placeholder and not entry.is_placeholder)):
            out[name] = entry
    return out


def config_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    a, b = _effective_inputs(old), _effective_inputs(new)
    labels = {**old.config_labels, **new.config_labels}
    changes: list[Change] = []
    for name in [*b, *(n for n in a if n not in b)]:
        ia, ib = a.get(name), b.get(name)
        va = ia.typed_value if ia else None
        vb = ib.typed_value if ib else None
        if ia is not None and ib is not None and va == vb:
            continue
        label = labels.get(name)
        title = f"{label} ({name})" if label and label != name else name
        fields = {"name": name, "old_value": ia.value if ia else None, "new_value": ib.value if ib else None}
        if ia is None:
            assert ib is not None
            changes.append(
                Change("config", "added", f"{title}: {ib.value}", None, new.line(ib.range), fields=fields)
            )
        elif ib is None:
            changes.append(
                Change(
                    "config",
                    "removed",
                    f"{title}: {ia.value} (now the default)",
                    old.line(ia.range),
                    None,
                    fields=fields,
                )
            )
        else:
            changes.append(
                Change(
                    "config",
                    "changed",
                    f"{title}: {ia.value} -> {ib.value}",
                    old.line(ia.range),
                    new.line(ib.range),
                    fields=fields,
                )
            )
    return changes
