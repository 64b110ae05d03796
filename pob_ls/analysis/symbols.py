"""The outline of a build: specs, item sets and items, skill sets, groups and gems, config."""

from __future__ import annotations

from dataclasses import dataclass, field

from pob_ls.analysis.anchors import tag_name_range
from pob_ls.document import PobDocument, TextRange


@dataclass(frozen=True)
class Symbol:
    name: str
    detail: str
    kind: str  # LSP SymbolKind name: Namespace, Class, Object, Field, Property, Variable...
    range: TextRange
    selection_range: TextRange
    children: list[Symbol] = field(default_factory=list)


def document_symbols(doc: PobDocument) -> list[Symbol]:
    out: list[Symbol] = []
    if doc.build is not None:
        b = doc.build
        detail = " ".join(str(x) for x in (b.ascend_class_name or b.class_name, b.level) if x)
        out.append(Symbol("Build", detail, "Namespace", b.range, tag_name_range(b)))
    if doc.tree is not None:
        specs = [
            Symbol(
                s.title or f"Spec {s.index}",
                f"tree {s.tree_version}, {len(s.nodes)} nodes",
                "Class",
                s.range,
                tag_name_range(s),
            )
            for s in doc.tree.specs
        ]
        out.append(
            Symbol(
                "Tree", f"{len(specs)} specs", "Namespace", doc.tree.range, tag_name_range(doc.tree), specs
            )
        )
    if doc.items is not None:
        items = [
            Symbol(i.name or f"Item {i.id}", i.base_name or "", "Object", i.range, tag_name_range(i))
            for i in doc.items.items
        ]
        sets = [
            Symbol(
                s.title or f"Item set {s.id}",
                f"{len(s.slots)} slots",
                "Array",
                s.range,
                tag_name_range(s),
                [
                    Symbol(sl.name or "slot", f"item {sl.item_id}", "Field", sl.range, sl.range)
                    for sl in s.slots
                ],
            )
            for s in doc.items.item_sets
            if not s.implicit
        ]
        out.append(
            Symbol(
                "Items",
                f"{len(items)} items",
                "Namespace",
                doc.items.range,
                tag_name_range(doc.items),
                sets + items,
            )
        )
    if doc.skills is not None:
        skill_sets = []
        for ss in doc.skills.skill_sets:
            groups = [
                Symbol(
                    g.label
                    or ", ".join(x.name_spec for x in g.gems[:1] if x.name_spec)
                    or f"Group {g.index}",
                    g.slot or "",
                    "Class",
                    g.range,
                    tag_name_range(g),
                    [
                        Symbol(
                            gem.name_spec or gem.skill_id or "gem",
                            f"{gem.level}/{gem.quality}",
                            "Field",
                            gem.range,
                            gem.range,
                        )
                        for gem in g.gems
                    ],
                )
                for g in ss.socket_groups
            ]
            if ss.implicit:
                skill_sets.extend(groups)
            else:
                skill_sets.append(
                    Symbol(
                        ss.title or f"Skill set {ss.id}", "", "Array", ss.range, tag_name_range(ss), groups
                    )
                )
        out.append(
            Symbol("Skills", "", "Namespace", doc.skills.range, tag_name_range(doc.skills), skill_sets)
        )
    if doc.config is not None:
        inputs: list[Symbol] = []
        for cs in doc.config.config_sets:
            inputs.extend(
                Symbol(i.name or "input", i.value or "", "Property", i.range, i.range)
                for i in cs.inputs
                if i.name
            )
        out.append(
            Symbol(
                "Config",
                f"{len(inputs)} inputs",
                "Namespace",
                doc.config.range,
                tag_name_range(doc.config),
                inputs,
            )
        )
    return out
