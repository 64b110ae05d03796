"""Code actions: convert between XML and share code, refresh stored stats, choose the main skill."""

from __future__ import annotations

from dataclasses import dataclass

from pob_ls.analysis.findings import stale_stats, stored_value
from pob_ls.document import PobDocument, SocketGroup, TextRange, encode_share_code
from pob_ls.engine.messages import BuildResultJson


@dataclass(frozen=True)
class Action:
    title: str
    kind: str  # LSP CodeActionKind: "quickfix", "refactor.rewrite", "source"
    edits: list[tuple[TextRange, str]]  # ranges in doc.source_text (what the user edits)
    is_preferred: bool = False


def code_actions(doc: PobDocument, result: BuildResultJson | None, span: TextRange) -> list[Action]:
    whole = TextRange(0, len(doc.source_text))
    if doc.from_share_code:
        # Positions inside a share code mean nothing: the only action is to expand it.
        return (
            [Action("Convert share code to PoB XML", "refactor.rewrite", [(whole, doc.text)])]
            if doc.ok
            else []
        )
    out: list[Action] = []
    if doc.ok and doc.build is not None:
        out.append(
            Action(
                "Convert to a PoB share code",
                "refactor.rewrite",
                [(whole, encode_share_code(doc.text) + "\n")],
            )
        )
    if result:
        stale = stale_stats(doc, result)
        edits = [(s.value_text_range, stored_value(v)) for s, v in stale if s.value_text_range is not None]
        if edits:
            touching = any(s.range.start <= span.end and span.start <= s.range.end for s, _ in stale)
            out.append(
                Action(
                    f"Refresh {len(edits)} stored stats with PoB's current values",
                    "quickfix",
                    edits,
                    touching,
                )
            )
    group = next((e for e in reversed(doc.entities_at(span.start)) if isinstance(e, SocketGroup)), None)
    skills = doc.skills.active() if doc.skills else None
    in_active = group is not None and skills is not None and group in skills.socket_groups
    if (
        group is not None
        and in_active
        and doc.build is not None
        and doc.build.main_socket_group != group.index
    ):
        value_range = doc.build.value_range("mainSocketGroup")
        if value_range is not None:
            name = group.label or next(
                (g.name_spec for g in group.gems if g.name_spec), f"group {group.index}"
            )
            title = f"Make '{name}' the main skill"
            out.append(Action(title, "refactor.rewrite", [(value_range, str(group.index))]))
    return out
