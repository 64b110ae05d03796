"""Completion of gem names, config input names and values, and stat names, from PoB's own lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pob_ls.document import PobDocument


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # LSP CompletionItemKind name
    detail: str | None = None
    insert_text: str | None = None


def _attribute_at(doc: PobDocument, offset: int) -> tuple[str, str] | None:
    """(tag, attribute name) when `offset` is inside an attribute value."""
    for entity in reversed(doc.entities_at(offset)):
        node = getattr(entity, "node", None)
        if node is None:
            continue
        for name, attr in node.attributes.items():
            if attr.value_start <= offset <= attr.value_end:
                return node.tag, name
        return None
    return None


def completions(
    doc: PobDocument, offset: int, result: dict[str, Any] | None = None, catalog: dict[str, Any] | None = None
) -> list[Completion]:
    """`catalog`: the engine's gems and config options (whatif.catalog); `result`: stat names."""
    where = _attribute_at(doc, offset)
    if where is None:
        return []
    tag, attr = where
    catalog = catalog or {}
    if tag == "Gem" and attr == "nameSpec":
        return [Completion(name, "Value", "gem") for name in catalog.get("gems") or []]
    if tag in ("Input", "Placeholder") and attr == "name":
        return [
            Completion(str(o["name"]), "Property", str(o.get("label") or ""))
            for o in catalog.get("config") or []
            if o.get("name")
        ]
    if tag in ("Input", "Placeholder") and attr in ("string", "number", "boolean"):
        node_name = _input_name(doc, offset)
        option = next((o for o in catalog.get("config") or [] if o.get("name") == node_name), None)
        if attr == "boolean":
            return [Completion("true", "Value"), Completion("false", "Value")]
        if option and option.get("values"):
            return [
                Completion(str(v), "EnumMember", str(option.get("label") or "")) for v in option["values"]
            ]
        return []
    if tag in ("PlayerStat", "MinionStat") and attr == "stat":
        key = "player_stats" if tag == "PlayerStat" else "minion_stats"
        return [Completion(name, "Field", "stat") for name in ((result or {}).get(key) or {})]
    if tag == "Spec" and attr == "treeVersion":
        return [Completion(str(v), "EnumMember", "tree version") for v in catalog.get("treeVersions") or []]
    return []


def _input_name(doc: PobDocument, offset: int) -> str | None:
    for entity in reversed(doc.entities_at(offset)):
        node = getattr(entity, "node", None)
        if node is not None and node.tag in ("Input", "Placeholder"):
            value = node.values.get("name")
            return str(value) if value is not None else None
    return None
