"""Hovers: what PoB knows about the entity under the cursor, with PoB's own what-if deltas.

Two steps, so the server can fetch the what-if from the engine asynchronously in between:
`hover_target` finds the entity and the question to ask about it (`pob_ls.engine.messages`: what-ifs
are named by what they ask, never by a Lua function); `render_hover` writes markdown with the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from pob_ls.analysis.findings import stored_value
from pob_ls.analysis.sheet import stat_sheet_markdown
from pob_ls.document import (
    Build,
    BuildStat,
    ConfigInput,
    Gem,
    Item,
    NodeRef,
    PobDocument,
    SocketGroup,
    TextLine,
    TextRange,
)
from pob_ls.engine.messages import (
    BuildResultJson,
    Compare,
    ConfigDetails,
    DescribeConfig,
    DescribeNode,
    GroupAsMainSkill,
    GroupFigures,
    NodeDetails,
    Question,
    RemoveItem,
    ToggleGem,
)

HoverKind = Literal["build", "stat", "group", "gem", "item", "itemLine", "node", "config"]


@dataclass(frozen=True)
class HoverTarget:
    range: TextRange
    kind: HoverKind
    entity: Any
    parent: Any = None
    whatif: Question[object] | None = None  # what to ask the engine: RemoveItem("Body Armour"), ...


def _equipped_slot(doc: PobDocument, item_id: int | None) -> str | None:
    item_set = doc.items.active() if doc.items else None
    for slot in item_set.slots if item_set else []:
        if slot.item_id == item_id and slot.name:
            return slot.name
    return None


def hover_target(doc: PobDocument, offset: int) -> HoverTarget | None:
    chain = doc.entities_at(offset)
    if not chain:
        return None
    entity = chain[-1]
    parent = chain[-2] if len(chain) > 1 else None
    active_skills = doc.skills.active() if doc.skills else None
    active_spec = doc.tree.active() if doc.tree else None
    if isinstance(entity, Build):
        return HoverTarget(entity.start_tag_range, "build", entity)
    if isinstance(entity, BuildStat):
        return HoverTarget(entity.range, "stat", entity)
    whatif: Question[object] | None = None
    if isinstance(entity, Gem) and isinstance(parent, SocketGroup):
        if active_skills is not None and parent in active_skills.socket_groups:
            whatif = ToggleGem(parent.index, parent.gems.index(entity) + 1)
        return HoverTarget(entity.range, "gem", entity, parent, whatif)
    if isinstance(entity, SocketGroup):
        if active_skills is not None and entity in active_skills.socket_groups:
            whatif = GroupAsMainSkill(entity.index)
        return HoverTarget(entity.start_tag_range, "group", entity, None, whatif)
    if isinstance(entity, TextLine) and isinstance(parent, Item):
        return HoverTarget(entity.range, "itemLine", entity, parent)
    if isinstance(entity, Item):
        slot = _equipped_slot(doc, entity.id)
        return HoverTarget(entity.start_tag_range, "item", entity, None, RemoveItem(slot) if slot else None)
    if isinstance(entity, NodeRef):
        whatif = DescribeNode(entity.node_id) if active_spec is not None and parent is active_spec else None
        return HoverTarget(entity.range, "node", entity, parent, whatif)
    if isinstance(entity, ConfigInput) and entity.name:
        return HoverTarget(entity.range, "config", entity, None, DescribeConfig(entity.name))
    return None


_TAGS = re.compile(r"^(\{[^}]*\})+")
# Lines of PoB's item text that describe the item rather than add a modifier.
_ITEM_META = re.compile(r"^[A-Z][A-Za-z ]{1,30}: ?\S")  # "Quality: 20", "LevelReq: 62", "Sockets: R-G"
_ITEM_FLAG = re.compile(r"^(Corrupted|Mirrored|Split|Fractured Item|Synthesised Item|\w+ Item)$")


def _item_mod_lines(item: Item) -> list[str]:
    """The mod lines of an item's text: after its rarity, name and base, without metadata lines."""
    texts = [line.text for line in item.lines]
    body = texts[3:] if texts and texts[0].startswith("Rarity:") else texts
    return [t for t in body if t and not _ITEM_META.match(t) and not _ITEM_FLAG.match(t)]


def _compare(compare: Compare | None) -> list[str]:
    """PoB's compare lines; PoB prints nothing when no sidebar stat changes, so say so."""
    if not compare:
        return []
    raw = compare.get("lines") or []
    lines = [str(x).strip() for x in raw if str(x).strip()] if isinstance(raw, list) else []
    header = str(compare.get("header") or (lines[0] if lines else "")).strip()
    if compare.get("count") == 0 or len(lines) < 2:
        return ["", f"_{header.rstrip(':')}: no change to PoB's sidebar stats_"] if header else []
    return ["", f"**{lines[0]}**", "", *(f"- {line}" for line in lines[1:])]


def _problems_for(result: BuildResultJson | None, **match: object) -> list[str]:
    out = []
    for p in result["problems"] if result else []:
        entity = cast(dict[str, object], p["entity"])
        if all(entity.get(k) == v for k, v in match.items()):
            out.append(f"- {p['severity']}: {p['message']}")
    return out


def render_hover(
    doc: PobDocument, result: BuildResultJson | None, target: HoverTarget, whatif: object | None
) -> str | None:
    """Markdown for the target; `whatif` is the answer to `target.whatif` (None when unavailable)."""
    e = target.entity
    lines: list[str] = []
    if target.kind == "build":
        return stat_sheet_markdown(result) if result else "_PoB has not computed this build yet_"
    if target.kind == "stat":
        lines.append(f"**{e.stat}** (stored by PoB when the build was saved): `{e.value}`")
        stats = (result["minion_stats"] if e.is_minion else result["player_stats"]) if result else {}
        current = stats.get(e.stat)
        if current is not None:
            lines.append(
                f"PoB now computes: `{stored_value(float(current) if isinstance(current, str) else current)}`"
            )
        shown = next((r for r in (result["display_stats"] if result else []) if r["stat"] == e.stat), None)
        if shown:
            lines.append(f"Shown in PoB's sidebar as **{shown['label']}**: {shown['text']}")
    elif target.kind == "group":
        title = e.label or ", ".join(g.name_spec for g in e.gems if g.name_spec) or f"Socket group {e.index}"
        lines.append(f"**{title}**" + (f" — {e.slot}" if e.slot else ""))
        if e.enabled is False:
            lines.append("_disabled_")
        figures = cast("GroupFigures | None", whatif)  # the answer to GroupAsMainSkill
        if figures:
            from pob_ls.analysis.numbers import compact

            main = result is not None and result["build"]["main_socket_group"] == e.index
            lines.append("")
            lines.append("As the main skill:" if not main else "Main skill:")
            for key, label in (
                ("CombinedDPS", "Combined DPS"),
                ("TotalDPS", "Hit DPS"),
                ("TotalDotDPS", "DoT DPS"),
                ("Speed", "Uses per second"),
                ("ManaCost", "Mana cost"),
                ("LifeCost", "Life cost"),
            ):
                value = figures.get(key)
                if isinstance(value, (int, float)) and value:
                    lines.append(f"- {label}: {compact(value)}")
        lines.extend(_problems_for(result, kind="group", group=e.index))
    elif target.kind == "gem":
        lines.append(f"**{e.name_spec or e.skill_id}** level {e.level} / quality {e.quality}")
        if e.enabled is False:
            lines.append("_disabled_")
        index = target.parent.gems.index(e) + 1 if target.parent else 0
        problems = _problems_for(result, kind="gem", group=getattr(target.parent, "index", None), gem=index)
        lines.extend(problems)
        lines.extend(_compare(cast("Compare | None", whatif)))  # the answer to ToggleGem
    elif target.kind == "item":
        lines.append(f"**{e.name or 'Item'}**" + (f" — {e.base_name}" if e.base_name else ""))
        if e.rarity:
            lines.append(f"_{e.rarity.title()}_")
        unsupported = {
            str(p["entity"].get("line"))
            for p in (result["problems"] if result else [])
            if p["code"] == "unsupported-mod" and p["entity"].get("itemId") == e.id
        }
        mods = _item_mod_lines(e)
        if mods:
            lines.append("")
            for mod in mods:
                bare = _TAGS.sub("", mod)
                lines.append(f"- ~~{bare}~~ _(not supported by PoB)_" if bare in unsupported else f"- {bare}")
        lines.extend(_compare(cast("Compare | None", whatif)))  # the answer to RemoveItem
    elif target.kind == "itemLine":
        line_unsupported = any(
            p["code"] == "unsupported-mod"
            and p["entity"].get("itemId") == target.parent.id
            and str(p["entity"].get("line")) in e.text
            for p in (result["problems"] if result else [])
        )
        lines.append(f"`{e.text}`")
        lines.append("**Not supported by PoB yet**: ignored in calculations" if line_unsupported else "")
    elif target.kind == "node":
        node = cast("NodeDetails | None", whatif)  # the answer to DescribeNode
        if node:
            lines.append(f"**{node.get('name')}** ({node.get('type')}, node {e.node_id})")
            lines.extend(f"- {s}" for s in node.get("stats") or [])
            compare = node.get("compare")
            lines.extend(_compare(compare))
            path = compare.get("path") if compare else None
            lines.extend(_compare(path) if isinstance(path, dict) else [])
        else:
            lines.append(f"Passive node {e.node_id}")
    elif target.kind == "config":
        option = cast("ConfigDetails | None", whatif)  # the answer to DescribeConfig
        if option:
            lines.append(f"**{option.get('label')}** (`{e.name}`, {option.get('type')})")
            if option.get("applies") is False:
                lines.append("_Does not apply to this build_")
            if option.get("tooltip"):
                lines.extend(["", str(option["tooltip"])])
            if option.get("values"):
                lines.extend(["", "Values: " + ", ".join(f"`{v}`" for v in option["values"])])
        else:
            lines.append(f"Config option `{e.name}` (unknown to this PoB)")
    text = "\n".join(line for line in lines).strip()
    return text or None
