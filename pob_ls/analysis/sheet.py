"""The stat sheet: PoB's sidebar as markdown, for the <Build> hover and the stat-sheet command."""

from __future__ import annotations

from pob_ls.engine.messages import BuildResultJson


def headline(result: BuildResultJson) -> str:
    build = result["build"]
    who = build["ascendancy"] or build["class"] or "Character"
    parts = [f"**{who}** level {build['level']}", f"tree {build['tree_version']}"]
    if build["main_skill"]:
        parts.append(f"main skill **{build['main_skill']}**")
    return " · ".join(parts)


def stat_sheet_markdown(result: BuildResultJson) -> str:
    """PoB's own sidebar rows, in PoB's order and formatting, then its warnings."""
    lines = [headline(result), ""]
    table_open = False
    for label, value in result["sidebar"]:
        if not label and not value:
            continue
        if label in ("Minion:", "Player:") and not value:
            lines.extend(["", f"**{label[:-1]}**", ""])
            table_open = False
            continue
        if not value:
            lines.append(f"_{label}_")
            continue
        if not table_open:
            lines.extend(["| Stat | Value |", "|---|---:|"])
            table_open = True
        lines.append(f"| {label.rstrip(':')} | {value} |")
    warnings = result["warnings"]
    if warnings:
        lines.extend(["", "**Warnings**", ""])
        lines.extend(f"- {w}" for w in warnings)
    return "\n".join(lines).strip() + "\n"
