"""Items and jewels of two builds compared: by equipment slot, by tree socket, then by item id.

An item counts as changed when its text differs; the mod lines that changed come from a line
diff of the two texts, so a re-rolled mod shows as one line out and one line in.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from pob_ls.analysis.diff_model import Change, DiffSide
from pob_ls.document import Item, ItemSet, Slot


def item_label(item: Item) -> str:
    """``Doom Loop, Vaal Regalia`` for rares and uniques, the name alone otherwise."""
    name, base = item.name or f"item {item.id}", item.base_name
    return f"{name}, {base}" if base and base != name else name


def _lines(item: Item) -> list[str]:
    return [line.text for line in item.lines]


def line_changes(old: Item, new: Item) -> tuple[list[int], list[int]]:
    """Indexes of ``old``'s lines taken out and of ``new``'s lines put in."""
    matcher = SequenceMatcher(None, _lines(old), _lines(new), autojunk=False)
    removed: list[int] = []
    added: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(range(i1, i2))
            added.extend(range(j1, j2))
    return removed, added


def _rolls(item: Item) -> dict[int | None, float | None]:
    return {r.mod_id: r.value for r in item.mod_ranges}


def _roll_changes(a: Item, b: Item) -> list[str]:
    """``<ModRange>`` values (where a variable mod rolled) that differ, as ``mod range 3: 0.5 -> 1``."""
    old, new = _rolls(a), _rolls(b)
    out = []
    for mod_id in sorted({*old, *new}, key=lambda i: -1 if i is None else i):
        if old.get(mod_id) != new.get(mod_id):
            out.append(f"mod range {mod_id}: {old.get(mod_id, 'unset')} -> {new.get(mod_id, 'unset')}")
    return out


def _equipped(side: DiffSide) -> dict[str, tuple[Slot, Item]]:
    items = side.document.items
    if items is None:
        return {}
    active: ItemSet | None = items.active()
    out: dict[str, tuple[Slot, Item]] = {}
    for slot in active.slots if active else []:
        item = items.item(slot.item_id) if slot.item_id else None
        if slot.name and item is not None and slot.name not in out:
            out[slot.name] = (slot, item)
    return out


def _socketed(side: DiffSide) -> dict[int, Item]:
    tree, items = side.document.tree, side.document.items
    spec = tree.active() if tree else None
    out: dict[int, Item] = {}
    for socket in spec.sockets if spec else []:
        item = items.item(socket.item_id) if items and socket.item_id else None
        if socket.node_id is not None and item is not None:
            out.setdefault(socket.node_id, item)
    return out


def _item_change(
    kind: str,
    where: str,
    old: DiffSide,
    new: DiffSide,
    a: Item | None,
    b: Item | None,
    extra: dict[str, object],
) -> Change | None:
    if a is None and b is None:
        return None
    if a is None:
        assert b is not None
        return Change(
            kind,
            "added",
            f"{where}: {item_label(b)}",
            None,
            new.line(b.range),
            fields={**extra, "new_item": item_label(b)},
        )
    if b is None:
        return Change(
            kind,
            "removed",
            f"{where}: {item_label(a)}",
            old.line(a.range),
            None,
            fields={**extra, "old_item": item_label(a)},
        )
    rolls = _roll_changes(a, b)
    if _lines(a) == _lines(b) and not rolls:
        return None
    removed, added = line_changes(a, b)
    old_name, new_name = item_label(a), item_label(b)
    text = f"{where}: {old_name} -> {new_name}" if old_name != new_name else f"{where}: {new_name}"
    removed_lines = [a.lines[i].text for i in removed]
    added_lines = [b.lines[j].text for j in added]
    old_line = old.line(a.lines[removed[0]].range if removed else a.range)
    new_line = new.line(b.lines[added[0]].range if added else b.range)
    details = tuple([f"- {t}" for t in removed_lines] + [f"+ {t}" for t in added_lines] + rolls)
    fields = {
        **extra,
        "old_item": old_name,
        "new_item": new_name,
        "removed_lines": removed_lines,
        "added_lines": added_lines,
    }
    return Change(kind, "changed", text, old_line, new_line, details, fields)


def gear_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    """Equipped items by slot, flask activation, then items held but not equipped, by id."""
    changes: list[Change] = []
    old_slots, new_slots = _equipped(old), _equipped(new)
    for name in [*new_slots, *(n for n in old_slots if n not in new_slots)]:
        a, b = old_slots.get(name), new_slots.get(name)
        change = _item_change("item", name, old, new, a and a[1], b and b[1], {"slot": name})
        if change is not None:
            changes.append(change)
        if a and b and (a[0].get_bool("active") or False) != (b[0].get_bool("active") or False):
            state = "activated" if b[0].get_bool("active") else "deactivated"
            changes.append(
                Change(
                    "item",
                    "changed",
                    f"{name}: {item_label(b[1])} {state}",
                    old.line(a[0].range),
                    new.line(b[0].range),
                    fields={"slot": name, "active": bool(b[0].get_bool("active"))},
                )
            )
    changes.extend(_jewel_changes(old, new))
    changes.extend(_loose_item_changes(old, new, old_slots, new_slots))
    return changes


def _jewel_changes(old: DiffSide, new: DiffSide) -> list[Change]:
    changes: list[Change] = []
    old_sockets, new_sockets = _socketed(old), _socketed(new)
    for node_id in [*new_sockets, *(n for n in old_sockets if n not in new_sockets)]:
        side = new if node_id in new_sockets else old
        known = node_id in side.nodes and side.nodes[node_id].name
        where = f"{side.node_name(node_id)} ({node_id})" if known else f"jewel socket {node_id}"
        change = _item_change(
            "jewel", where, old, new, old_sockets.get(node_id), new_sockets.get(node_id), {"node_id": node_id}
        )
        if change is not None:
            changes.append(change)
    return changes


def _loose_item_changes(
    old: DiffSide,
    new: DiffSide,
    old_slots: dict[str, tuple[Slot, Item]],
    new_slots: dict[str, tuple[Slot, Item]],
) -> list[Change]:
    """Items in the list that no slot or socket holds on either side, paired by id."""
    used: set[int] = set()
    for slots in (old_slots, new_slots):
        used.update(item.id for _, item in slots.values() if item.id is not None)
    for side in (old, new):
        used.update(item.id for item in _socketed(side).values() if item.id is not None)
    old_items = {
        i.id: i for i in (old.document.items.items if old.document.items else []) if i.id not in used
    }
    new_items = {
        i.id: i for i in (new.document.items.items if new.document.items else []) if i.id not in used
    }
    changes: list[Change] = []
    for item_id in [*new_items, *(i for i in old_items if i not in new_items)]:
        change = _item_change(
            "item",
            f"unequipped item {item_id}",
            old,
            new,
            old_items.get(item_id),
            new_items.get(item_id),
            {"item_id": item_id},
        )
        if change is not None:
            changes.append(change)
    return changes
