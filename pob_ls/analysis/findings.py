"""Diagnostics for a build file: problems in the text, and PoB's own complaints placed at their source."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pob_ls.analysis.anchors import build_range, entity_range, tag_name_range
from pob_ls.document import BuildStat, PobDocument, TextRange
from pob_ls.engine.messages import BuildResultJson, FactsJson, Number

Severity = Literal["error", "warning", "information", "hint"]


@dataclass(frozen=True)
class Finding:
    """One diagnostic. `range` is in `doc.text`; map it with `doc.source_range` for the editor."""

    range: TextRange
    severity: Severity
    code: str
    message: str
    source: str = "pob-ls"
    data: dict[str, Any] | None = field(default=None, compare=False)


def document_findings(doc: PobDocument) -> list[Finding]:
    """What is wrong with the text itself; needs no engine."""
    out = [
        Finding(e.range, "error" if e.severity == "error" else "warning", e.code, e.message)
        for e in doc.errors
    ]
    if doc.build is not None and doc.config is not None and doc.config.active() is not None:
        for attr in ("bandit", "pantheonMajorGod", "pantheonMinorGod"):
            span = doc.build.value_range(attr)
            config_set = doc.config.active()
            if span is not None and config_set is not None and config_set.input(attr) is None:
                value = doc.build.get(attr)
                if value not in (None, "", "None"):
                    out.append(
                        Finding(
                            span,
                            "information",
                            "legacy-attribute",
                            f"PoB ignores <Build {attr}> when the file has a <Config> section: "
                            f'set it with <Input name="{attr}" string="{value}"/> in <Config>',
                        )
                    )
    return out


def engine_findings(
    doc: PobDocument, result: BuildResultJson, *, settings: dict[str, Any] | None = None
) -> list[Finding]:
    """PoB's problems with the build, each at the entity that causes it, plus what PoB silently dropped."""
    warnings = (settings or {}).get("warnings", {}) if settings else {}
    out: list[Finding] = []
    for problem in result["problems"]:
        code = problem["code"]
        if code == "unsupported-mod" and warnings.get("unsupportedMods") is False:
            continue
        if code == "config-inactive" and warnings.get("inactiveConfig") is False:
            continue
        out.append(
            Finding(
                entity_range(doc, problem["entity"]),
                _severity(problem["severity"]),
                code,
                problem["message"],
                source="PoB",
            )
        )
    out.extend(_class_mismatch(doc, result))
    out.extend(_dropped_items(doc, result["facts"]))
    out.extend(_dropped_nodes(doc, result["facts"]))
    out.extend(_stale_stats(doc, result))
    return out


def engine_error_findings(doc: PobDocument, message: str) -> list[Finding]:
    """An engine failure (load error, timeout, crash) placed where its cause most likely is."""
    span = build_range(doc)
    if "tree" in message.lower() and doc.tree is not None:
        spec = doc.tree.active()
        if spec is not None:
            span = spec.value_range("treeVersion") or tag_name_range(spec)
    elif "Glorious Vanity" in message or "Timeless Jewel" in message:
        span = _timeless_jewel_range(doc) or span
    return [Finding(span, "error", "engine-error", message, source="PoB")]


def _severity(value: object) -> Severity:
    return value if value in ("error", "warning", "information", "hint") else "warning"


def _class_mismatch(doc: PobDocument, result: BuildResultJson) -> list[Finding]:
    """<Build className/ascendClassName> are written by PoB from the tree spec's ids; PoB reads the ids."""
    if doc.build is None:
        return []
    build = result["build"]
    out = []
    for attr, written, used in (
        ("className", doc.build.class_name, build["class"]),
        ("ascendClassName", doc.build.ascend_class_name, build["ascendancy"]),
    ):
        span = doc.build.value_range(attr)
        if span is None or written in (None, "") or (written == "None" and used is None):
            continue
        if used is not None and written != used:
            out.append(
                Finding(
                    span,
                    "warning",
                    "unknown-class" if attr == "className" else "unknown-ascendancy",
                    f"PoB takes the class from the tree spec (classId/ascendClassId): this build is "
                    f"{used}, not '{written}'",
                    source="PoB",
                )
            )
    return out


def _dropped_items(doc: PobDocument, facts: FactsJson) -> list[Finding]:
    if doc.items is None or "itemIds" not in facts:
        return []
    kept = {int(i) for i in facts["itemIds"] or []}
    out = []
    for item in doc.items.items:
        if item.id is not None and item.id not in kept:
            out.append(
                Finding(
                    tag_name_range(item),
                    "error",
                    "item-dropped",
                    f"PoB does not recognise this item's base ({item.base_name or 'unknown'}) "
                    "and drops the item",
                    source="PoB",
                )
            )
    equipped = {str(k): int(v) for k, v in (facts.get("slots") or {}).items()}
    item_set = doc.items.active()
    for slot in item_set.slots if item_set else []:
        name, item_id = slot.name, slot.item_id
        if name and item_id and item_id in kept and equipped.get(name) != item_id:
            out.append(
                Finding(
                    slot.range,
                    "warning",
                    "item-unequipped",
                    f"PoB unequips item {item_id} from {name}: it is not valid for that slot",
                    source="PoB",
                )
            )
    return out


def _dropped_nodes(doc: PobDocument, facts: FactsJson) -> list[Finding]:
    spec = doc.tree.active() if doc.tree else None
    if spec is None or "allocatedNodes" not in facts:
        return []
    allocated = {int(n) for n in facts["allocatedNodes"] or []}
    return [
        Finding(
            ref.range,
            "warning",
            "node-dropped",
            f"PoB does not allocate node {ref.node_id}: unknown in tree {spec.tree_version}, "
            "or not connected to the class start",
            source="PoB",
        )
        for ref in spec.nodes
        if ref.node_id not in allocated and ref.node_id < 65536  # larger ids are cluster-jewel nodes
    ]


def stored_value(value: float) -> str:
    """A number as PoB writes it into <PlayerStat value>: Lua's tostring (%.14g)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if math.isnan(value):
        return "nan" if math.copysign(1, value) > 0 else "-nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.14g}"


def _same(saved: float | None, current: Any) -> bool:
    if saved is None or not isinstance(current, (int, float)):
        return True
    if math.isnan(saved) and math.isnan(current):
        return True
    if math.isinf(saved) or math.isinf(current):
        return saved == current
    return saved == current or abs(saved - current) <= 1e-6 * max(abs(saved), abs(current))


def _as_number(value: Number) -> Number:
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    return value


def stale_stats(doc: PobDocument, result: BuildResultJson) -> list[tuple[BuildStat, Any]]:
    """(BuildStat, current value) for every stored stat that PoB now computes differently."""
    if doc.build is None:
        return []
    out = []
    for stats, current in (
        (doc.build.player_stats, result["player_stats"]),
        (doc.build.minion_stats, result["minion_stats"]),
    ):
        seen: set[str] = set()
        for stat in stats:
            if stat.stat in seen or stat.stat not in current:
                continue
            seen.add(stat.stat)
            value = _as_number(current[stat.stat])
            if not _same(stat.number, value):
                out.append((stat, value))
    return out


def _stale_stats(doc: PobDocument, result: BuildResultJson) -> list[Finding]:
    return [
        Finding(
            stat.value_text_range or stat.range,
            "information",
            "stale-stat",
            f"Stored {stat.stat} is {stat.value}; PoB now computes {stored_value(value)}",
            data={"fix": "refreshStats"},
        )
        for stat, value in stale_stats(doc, result)
    ]


_TIMELESS = re.compile(
    r"Glorious Vanity|Lethal Pride|Brutal Restraint|Militant Faith|Elegant Hubris|Heroic Tragedy"
)


def _timeless_jewel_range(doc: PobDocument) -> TextRange | None:
    if doc.items is None:
        return None
    for item in doc.items.items:
        if _TIMELESS.search(item.text):
            return tag_name_range(item)
    return None
