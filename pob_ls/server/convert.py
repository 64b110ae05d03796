"""Analysis values -> LSP types. Ranges are offsets into `doc.text`; LSP wants UTF-16 positions in
the file the user edits, which for a share code is the code itself (so everything lands on it)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from pob_ls.document import PobDocument, TextRange

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def lsp_position(doc: PobDocument, offset: int) -> types.Position:
    """Where an offset of `doc.text` shows in the editor (the share code's end for share codes)."""
    if doc.from_share_code and doc.share_code_range is not None:
        offset = doc.share_code_range.end
    line, character = doc.source_line_index.position(offset)
    return types.Position(line=line, character=character)


def lsp_range(doc: PobDocument, span: TextRange) -> types.Range:
    start, end = doc.source_line_index.range_to_lsp(doc.source_range(span))
    return types.Range(
        start=types.Position(line=start.line, character=start.character),
        end=types.Position(line=end.line, character=end.character),
    )


def text_offset(doc: PobDocument, position: types.Position) -> int:
    """The `doc.text` offset under an editor position; a share code stands for its <Build>."""
    if doc.from_share_code:
        return doc.build.range.start if doc.build is not None else 0
    return doc.line_index.offset((position.line, position.character))


def text_range(doc: PobDocument, span: types.Range) -> TextRange:
    if doc.from_share_code:
        return TextRange(0, len(doc.text))
    return doc.line_index.lsp_to_range(
        (span.start.line, span.start.character), (span.end.line, span.end.character)
    )


def diagnostic(doc: PobDocument, finding: Any) -> types.Diagnostic:
    return types.Diagnostic(
        range=lsp_range(doc, finding.range),
        message=finding.message,
        severity=SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        source=finding.source,
        data=getattr(finding, "data", None),
    )


def enum_member(enum: Any, name: str, default: Any) -> Any:
    """`SymbolKind`/`CompletionItemKind` member from an analysis kind name ("class", "enum_member")."""
    wanted = name.replace("_", "").replace("-", "").lower()
    for member in enum:
        if member.name.lower() == wanted:
            return member
    return default
