"""Passive trees of two builds compared: nodes allocated or removed, and mastery effects chosen.

Both sides' active specs are compared; node names come from each side's own engine, so a node
removed is named by the old build and one allocated by the new.
"""

from __future__ import annotations

from pob_ls.analysis.diff_model import Change, DiffSide
from pob_ls.document import MasteryEffect, NodeRef, Spec


def _spec(side: DiffSide) -> Spec | None:
    tree = side.document.tree
    return tree.active() if tree else None


def _effect_text(side: DiffSide, node_id: int, effect_id: int) -> str:
    info = side.nodes.get(node_id)
    stats = [s for s in (info.stats if info else ()) if s]
    return " / ".join(stats) if stats else f"effect {effect_id}"


def _node_change(side: DiffSide, ref: NodeRef, change: str, old: DiffSide, new: DiffSide) -> Change:
    info = side.nodes.get(ref.node_id)
    kind_word = f" ({info.type})" if info and info.type and info.type != "Normal" else ""
    verb = "allocated" if change == "added" else "unallocated"
    line = side.line(ref.range)
    return Change(
        "node",
        change,
        f"{verb} {side.node_name(ref.node_id)}{kind_word}",
        line if side is old else None,
        line if side is new else None,
        details=tuple(info.stats) if info else (),
        fields={
            "node_id": ref.node_id,
            "node": side.node_name(ref.node_id),
            "node_type": info.type if info else None,
        },
    )


def tree_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    old_spec, new_spec = _spec(old), _spec(new)
    old_nodes = {n.node_id: n for n in old_spec.nodes} if old_spec else {}
    new_nodes = {n.node_id: n for n in new_spec.nodes} if new_spec else {}
    old_effects: dict[int, MasteryEffect] = (
        {m.node_id: m for m in old_spec.mastery_effects} if old_spec else {}
    )
    new_effects: dict[int, MasteryEffect] = (
        {m.node_id: m for m in new_spec.mastery_effects} if new_spec else {}
    )
    # A mastery allocated with an effect reads as a mastery change, not as a node.
    old_masteries = {i for i in old_effects if i in old_nodes}
    new_masteries = {i for i in new_effects if i in new_nodes}
    changes: list[Change] = []
    for node_id, ref in old_nodes.items():
        if node_id not in new_nodes and node_id not in old_masteries:
            changes.append(_node_change(old, ref, "removed", old, new))
    for node_id, ref in new_nodes.items():
        if node_id not in old_nodes and node_id not in new_masteries:
            changes.append(_node_change(new, ref, "added", old, new))
    changes.extend(_mastery_changes(old, new, old_masteries, new_masteries, old_effects, new_effects))
    changes.extend(_engine_allocation_changes(old, new, old_nodes, new_nodes))
    changes.extend(_override_changes(old, new, old_spec, new_spec))
    return changes


def _override_changes(
    old: DiffSide, new: DiffSide, old_spec: Spec | None, new_spec: Spec | None
) -> list[Change]:
    """Tattoos and other ``<Override>``s: a node's stats replaced by the file's text."""
    a = {o.node_id: o for o in old_spec.overrides} if old_spec else {}
    b = {o.node_id: o for o in new_spec.overrides} if new_spec else {}
    changes: list[Change] = []
    for node_id in dict.fromkeys([*a, *b]):
        if node_id is None:
            continue
        oa, ob = a.get(node_id), b.get(node_id)
        if oa is not None and ob is not None and (oa.name, oa.text) == (ob.name, ob.text):
            continue
        where = (new if ob else old).node_name(node_id)
        fields = {"node_id": node_id, "override": [oa.name if oa else None, ob.name if ob else None]}
        if oa is None and ob is not None:
            text = f"{where}: overridden by {ob.name or 'an override'}"
            changes.append(Change("node", "added", text, None, new.line(ob.range), fields=fields))
        elif ob is None and oa is not None:
            text = f"{where}: override {oa.name or ''} taken off".replace("  ", " ")
            changes.append(Change("node", "removed", text, old.line(oa.range), None, fields=fields))
        elif oa is not None and ob is not None:
            text = f"{where}: override {oa.name} -> {ob.name}"
            changes.append(
                Change("node", "changed", text, old.line(oa.range), new.line(ob.range), fields=fields)
            )
    return changes


def _engine_allocated(side: DiffSide) -> set[int] | None:
    """The nodes PoB really allocated (it drops ids that are unknown or not connected), when known."""
    facts = side.stats.get("facts")
    nodes = facts.get("allocatedNodes") if isinstance(facts, dict) else None
    return {int(n) for n in nodes} if isinstance(nodes, list) else None


def _engine_allocation_changes(
    old: DiffSide, new: DiffSide, old_nodes: dict[int, NodeRef], new_nodes: dict[int, NodeRef]
) -> list[Change]:
    """Nodes the text keeps on both sides but PoB allocates on one only: an edit cut or mended their path."""
    old_alloc, new_alloc = _engine_allocated(old), _engine_allocated(new)
    if old_alloc is None or new_alloc is None:
        return []
    changes: list[Change] = []
    for node_id, ref in new_nodes.items():
        if node_id not in old_nodes or (node_id in old_alloc) == (node_id in new_alloc):
            continue
        name = new.node_name(node_id)
        fields = {"node_id": node_id, "node": name, "engine_only": True}
        lines = (old.line(old_nodes[node_id].range), new.line(ref.range))
        if node_id in old_alloc:
            text = f"PoB no longer allocates {name} (still in the file: not connected)"
            changes.append(Change("node", "removed", text, *lines, fields=fields))
        else:
            changes.append(
                Change("node", "added", f"PoB now allocates {name} (connected again)", *lines, fields=fields)
            )
    return changes


def _mastery_changes(
    old: DiffSide,
    new: DiffSide,
    old_masteries: set[int],
    new_masteries: set[int],
    old_effects: dict[int, MasteryEffect],
    new_effects: dict[int, MasteryEffect],
) -> list[Change]:
    changes: list[Change] = []
    order = [m for m in old_effects if m in old_masteries] + [m for m in new_effects if m in new_masteries]
    for node_id in dict.fromkeys(order):
        a = old_effects[node_id] if node_id in old_masteries else None
        b = new_effects[node_id] if node_id in new_masteries else None
        name = (new if b else old).node_name(node_id)
        fields = {"node_id": node_id, "node": name}
        if a is not None and b is None:
            text = f"{name}: {_effect_text(old, node_id, a.effect_id)}"
            changes.append(
                Change(
                    "mastery",
                    "removed",
                    text,
                    old.line(a.range),
                    None,
                    fields={**fields, "old_effect": a.effect_id},
                )
            )
        elif b is not None and a is None:
            text = f"{name}: {_effect_text(new, node_id, b.effect_id)}"
            changes.append(
                Change(
                    "mastery",
                    "added",
                    text,
                    None,
                    new.line(b.range),
                    fields={**fields, "new_effect": b.effect_id},
                )
            )
        elif a is not None and b is not None and a.effect_id != b.effect_id:
            text = (
                f"{name}: {_effect_text(old, node_id, a.effect_id)} -> "
                f"{_effect_text(new, node_id, b.effect_id)}"
            )
            changes.append(
                Change(
                    "mastery",
                    "changed",
                    text,
                    old.line(a.range),
                    new.line(b.range),
                    fields={**fields, "old_effect": a.effect_id, "new_effect": b.effect_id},
                )
            )
    return changes
