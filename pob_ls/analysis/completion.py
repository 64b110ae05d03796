"""Completion of gem names, config input names and values, and stat names, from PoB's own lists."""

from __future__ import annotations

from dataclasses import dataclass

from pob_ls.document import PobDocument
from pob_ls.engine.messages import BuildResultJson, Catalog


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
    doc: PobDocument, offset: int, result: BuildResultJson | None = None, catalog: Catalog | None = None
) -> list[Completion]:
    """`catalog`: the engine's gems and config options (`ListCatalog`); `result`: stat names."""
    where = _attribute_at(doc, offset)
    if where is None:
        return []
    tag, attr = where
    gems = catalog["gems"] if catalog else []
    options = catalog["config"] if catalog else []
    if tag == "Gem" and attr == "nameSpec":
        return [Completion(name, "Value", "gem") for name in gems]
    if tag in ("Input", "Placeholder") and attr == "name":
        return [Completion(str(o["name"]), "Property", str(o["label"] or "")) for o in options if o["name"]]
    if tag in ("Input", "Placeholder") and attr in ("string", "number", "boolean"):
        node_name = _input_name(doc, offset)
        option = next((o for o in options if o["name"] == node_name), None)
        if attr == "boolean":
            return [Completion("true", "Value"), Completion("false", "Value")]
        if option and option.get("values"):
            return [Completion(str(v), "EnumMember", str(option["label"] or "")) for v in option["values"]]
        return []
    if tag in ("PlayerStat", "MinionStat") and attr == "stat":
        stats = (result["player_stats"] if tag == "PlayerStat" else result["minion_stats"]) if result else {}
        return [Completion(name, "Field", "stat") for name in stats]
    if tag == "Spec" and attr == "treeVersion":
        versions = catalog["treeVersions"] if catalog else []
        return [Completion(str(v), "EnumMember", "tree version") for v in versions]
    return []


def _input_name(doc: PobDocument, offset: int) -> str | None:
    for entity in reversed(doc.entities_at(offset)):
        node = getattr(entity, "node", None)
        if node is not None and node.tag in ("Input", "Placeholder"):
            value = node.values.get("name")
            return str(value) if value is not None else None
    return None
