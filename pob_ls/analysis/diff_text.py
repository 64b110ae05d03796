"""Plain-text renderings: a build diff for people, and one build as stable text for `git diff` (textconv).

The textconv rendering has one fact per line in a fixed order and no paths or timings, so a line
diff of two renderings reads as a build diff.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pob_ls.analysis.build_diff import stat_number
from pob_ls.analysis.diff_gear import item_label
from pob_ls.analysis.diff_model import BuildDiff, DiffSide, SidebarDelta
from pob_ls.analysis.diff_skills import gem_name, group_label
from pob_ls.document import Item

_NUMBER = re.compile(r"-?[\d,]*\.?\d+")
_SECTION_TITLES = {"player": "Stats", "fullDPS": "Full DPS", "minion": "Minion"}


def _decimals(text: str | None) -> int:
    match = _NUMBER.search(text or "")
    if match is None or "." not in match.group():
        return 0
    return len(match.group().split(".", 1)[1])


def _scale(value: float, text: str | None) -> float:
    """100 when PoB shows the value as a percentage of a fraction (5.91 shown as ``591%``), else 1."""
    match = _NUMBER.search(text or "")
    if match is None or "%" not in (text or ""):
        return 1.0
    shown = float(match.group().replace(",", ""))
    return 100.0 if abs(shown - value * 100) < abs(shown - value) else 1.0


def format_delta(row: SidebarDelta) -> str:
    """``+200 (+3.8%)``, with as many decimals as PoB's own text for the value."""
    a, b = stat_number(row.old_value), stat_number(row.new_value)
    if a is None or b is None or any(map(lambda v: v != v or abs(v) == float("inf"), (a, b))):
        return ""
    decimals = max(_decimals(row.new_text), _decimals(row.old_text))
    scale = _scale(b, row.new_text) if b else _scale(a, row.old_text)
    diff = f"{(b - a) * scale:+,.{decimals}f}"
    if a == 0:
        return diff
    return f"{diff} ({(b - a) / abs(a) * 100:+.1f}%)"


def _character(stats: Mapping[str, Any]) -> str:
    b = stats.get("build") or {}
    who = " ".join(str(x) for x in (b.get("class"), b.get("ascendancy")) if x) or "unknown class"
    return f"{who}, level {b.get('level')}, main skill {b.get('main_skill') or 'none'}"


def render_diff(
    diff: BuildDiff, old_label: str, new_label: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> str:
    lines = [f"--- {old_label}  ({_character(old)})", f"+++ {new_label}  ({_character(new)})", ""]
    if not diff.sidebar:
        lines.append("Stats: no change")
    section = None
    width = max((len(r.label) for r in diff.sidebar), default=0)
    for row in diff.sidebar:
        if row.section != section:
            section = row.section
            lines.append(f"{_SECTION_TITLES.get(section, section)}:")
        change = f"{row.old_text or '—'} -> {row.new_text or '—'}"
        delta = format_delta(row)
        lines.append(f"  {row.label:<{width}}  {change}" + (f"  {delta}" if delta else ""))
    hidden = len(diff.stats) - len({r.stat for r in diff.sidebar} & {s.stat for s in diff.stats})
    if hidden > 0:
        lines.append(f"  ({hidden} more saved stats differ; see --json)")
    lines.append("")
    if not diff.changes:
        lines.append("Build: no change")
    else:
        lines.append("Changes:")
        for item in diff.changes:
            lines.append(f"  {item.kind:<12} {item.change:<8} {item.text}")
            lines.extend(f"      {detail}" for detail in item.details)
    return "\n".join(lines)


def _item_lines(item: Item) -> list[str]:
    """The item's text, then where its variable mods rolled (``<ModRange>``), as the textconv shows them."""
    out = [f"    {line.text}" for line in item.lines]
    if item.mod_ranges:
        out.append("    rolls: " + " ".join(f"{r.mod_id}={r.value}" for r in item.mod_ranges))
    return out


def render_build(side: DiffSide, engine_version: str) -> str:
    """One build as stable text: character, sidebar, gear, skills, tree, config, warnings."""
    stats, doc = side.stats, side.document
    lines = [f"PoB build ({engine_version}): {_character(stats)}", ""]
    for row in stats.get("display_stats") or []:
        section = _SECTION_TITLES.get(row.get("section"), row.get("section"))
        lines.append(f"{section}: {row.get('label')}: {row.get('text')}")
    lines += ["", "Items:"]
    items, active_items = doc.items, doc.items.active() if doc.items else None
    for slot in sorted(active_items.slots if active_items else [], key=lambda s: s.name or ""):
        item = items.item(slot.item_id) if items and slot.item_id else None
        if item is None:
            continue
        lines.append(f"  {slot.name}: {item_label(item)}" + (" (active)" if slot.get_bool("active") else ""))
        lines.extend(_item_lines(item))
    spec = doc.tree.active() if doc.tree else None
    lines += ["", "Jewels:"]
    for socket in sorted(spec.sockets if spec else [], key=lambda s: s.node_id or 0):
        item = items.item(socket.item_id) if items and socket.item_id else None
        if item is not None and socket.node_id is not None:
            lines.append(f"  {side.node_name(socket.node_id)} ({socket.node_id}): {item_label(item)}")
            lines.extend(_item_lines(item))
    lines += ["", "Skills:"]
    skills = doc.skills.active() if doc.skills else None
    for group in skills.socket_groups if skills else []:
        if group.source:
            continue
        state = "" if group.enabled is not False else " (disabled)"
        lines.append(f"  {group_label(group)}{state}")
        for gem in group.gems:
            off = "" if gem.enabled is not False else " (disabled)"
            lines.append(f"    {gem_name(gem)} {gem.level or '?'}/{gem.quality or 0}{off}")
    lines += [
        "",
        f"Passive tree ({spec.tree_version if spec else 'none'}, {len(spec.nodes) if spec else 0} nodes):",
    ]
    masteries = {m.node_id: m for m in spec.mastery_effects} if spec else {}
    rows = []
    for ref in spec.nodes if spec else []:
        info = side.nodes.get(ref.node_id)
        kind = info.type if info and info.type else "Node"
        text = side.node_name(ref.node_id)
        if ref.node_id in masteries:
            text += ": " + " / ".join(info.stats if info else ())
        rows.append(f"  {kind}: {text}")
    lines.extend(sorted(rows))
    for override in spec.overrides if spec else []:
        if override.node_id is not None:
            text = " / ".join(part.strip() for part in override.text.splitlines() if part.strip())
            lines.append(f"  Override: {side.node_name(override.node_id)}: {override.name}: {text}")
    lines += ["", "Config:"]
    config = doc.config.active() if doc.config else None
    for entry in sorted(config.inputs if config else [], key=lambda e: (e.name or "", e.is_placeholder)):
        if not entry.is_placeholder:
            lines.append(f"  {entry.name} = {entry.value}")
    b = doc.build
    lines += [
        "",
        f"Bandit: {b.bandit if b else None}; pantheon: {b.pantheon_major_god if b else None}, "
        f"{b.pantheon_minor_god if b else None}",
    ]
    warnings = stats.get("warnings") or []
    if warnings:
        lines += ["", "Warnings:", *(f"  {w}" for w in warnings)]
    return "\n".join(lines) + "\n"
