"""Requests answered from the analysis layer: thin wrappers that only convert positions and types.

All handlers are async and run on the event loop; the only awaited work is an engine question
(a what-if, the catalog: `pob_ls.engine.messages`), which runs in a worker process, so a cancelled
request stops at that await.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

from lsprotocol import types

from pob_ls import analysis
from pob_ls.document import PobDocument
from pob_ls.engine.messages import Catalog, ListCatalog, Question
from pob_ls.server.analysis_bridge import guarded
from pob_ls.server.convert import enum_member, lsp_position, lsp_range, text_offset, text_range
from pob_ls.server.documents import OpenBuild
from pob_ls.server.server import PobServer

log = logging.getLogger(__name__)
AnswerT = TypeVar("AnswerT")

WHATIF_TIMEOUT = 3.0
NOT_CALCULATED = "*PoB has not calculated this build yet.*"


def register(server: PobServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PobServer, params: types.HoverParams) -> types.Hover | None:
        build = ls.builds.get(params.text_document.uri)
        if build is None:
            return None
        return await _hover(ls, build, params.position)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hint(ls: PobServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        build = ls.builds.get(params.text_document.uri)
        if build is None or build.feature_result() is None or not ls.settings.hints:
            return None
        return _inlay_hints(ls, build, params.range)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: PobServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        build = ls.builds.get(params.text_document.uri)
        result = build.feature_result() if build else None
        if build is None or result is None:
            return None
        doc = build.feature_doc()
        return [
            types.CodeLens(
                range=lsp_range(doc, lens.range),
                command=types.Command(title=lens.title, command=lens.command or "", arguments=lens.arguments),
            )
            for lens in guarded(analysis.code_lenses, doc, result, default=[])
        ]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: PobServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | list[types.SymbolInformation] | None:
        build = ls.builds.get(params.text_document.uri)
        if build is None:
            return None
        doc = build.feature_doc()
        symbols = [_symbol(doc, s) for s in guarded(analysis.document_symbols, doc, default=[])]
        if ls.support.hierarchical_symbols:
            return symbols
        return _flatten(params.text_document.uri, symbols, None)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=['"', "<", " "])
    )
    async def completion(ls: PobServer, params: types.CompletionParams) -> types.CompletionList | None:
        build = ls.builds.get(params.text_document.uri)
        if build is None or build.doc.from_share_code:
            return None
        doc = build.doc  # completion is for the text as typed, broken or not
        offset = text_offset(doc, params.position)
        catalog = await _catalog(ls, build.uri)
        items = [
            types.CompletionItem(
                label=c.label,
                kind=enum_member(types.CompletionItemKind, str(c.kind), types.CompletionItemKind.Value),
                detail=c.detail,
                insert_text=c.insert_text,
                insert_text_format=types.InsertTextFormat.PlainText,
            )
            for c in guarded(analysis.completions, doc, offset, build.feature_result(), catalog, default=[])
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.Refactor,
                types.CodeActionKind.RefactorRewrite,
                types.CodeActionKind.Source,
            ]
        ),
    )
    async def code_action(ls: PobServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        build = ls.builds.get(params.text_document.uri)
        if build is None:
            return None
        return _code_actions(ls, build, params)


def pull_handler_factory() -> Any:
    async def diagnostic(ls: PobServer, params: types.DocumentDiagnosticParams) -> Any:
        uri = params.text_document.uri
        build = ls.builds.get(uri)
        report = ls.pull_reports.get(uri)
        if build is not None and report is None:
            ls.publish(build, force=True)
            report = ls.pull_reports.get(uri)
        if report is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id, items = report
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

    return diagnostic


# -- helpers -------------------------------------------------------------------------------


def _markup(ls: PobServer, markdown: str) -> types.MarkupContent:
    kind = types.MarkupKind.Markdown if ls.support.hover_markdown else types.MarkupKind.PlainText
    return types.MarkupContent(kind=kind, value=markdown)


async def _hover(ls: PobServer, build: OpenBuild, position: types.Position) -> types.Hover | None:
    doc = build.feature_doc()
    target = guarded(analysis.hover_target, doc, text_offset(doc, position), default=None)
    if target is None:
        return None
    result = build.feature_result()
    whatif = await _ask(ls, build.uri, target.whatif) if result is not None else None
    text = guarded(analysis.render_hover, doc, result, target, whatif, default="")
    if result is None:
        missing = ls.engine.missing_message_for(build.uri)
        text = "\n\n".join(part for part in (text or NOT_CALCULATED, missing) if part)
    if not text:
        return None
    return types.Hover(contents=_markup(ls, text), range=lsp_range(doc, target.range))


async def _catalog(ls: PobServer, uri: str) -> Catalog | None:
    """The gem and config names of the build's engine (the same for every build it computes: asked once)."""
    label = ls.engine.label_for(uri)
    if label is None:
        return None
    if label not in ls.catalogs and ls.engine.service_for(uri) is not None:
        found = await _ask(ls, uri, ListCatalog())
        if found:
            ls.catalogs[label] = found
    return ls.catalogs.get(label)


async def _ask(ls: PobServer, uri: str, question: Question[AnswerT] | None) -> AnswerT | None:
    """The engine's answer to `question` about the build, or None (no engine, no answer, failure)."""
    service = ls.engine.service_for(uri)
    if question is None or service is None:
        return None
    try:
        answer = await asyncio.wait_for(service.ask(uri, question), WHATIF_TIMEOUT)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.info("what-if %r failed: %s", question, exc)
        return None
    return answer if isinstance(answer, dict) else None


def _inlay_hints(ls: PobServer, build: OpenBuild, span: types.Range) -> list[types.InlayHint]:
    doc = build.feature_doc()
    kinds = ls.settings.hints if not doc.from_share_code else ls.settings.hints & {"build"}
    hints = guarded(analysis.inlay_hints, doc, build.feature_result(), kinds=frozenset(kinds), default=[])
    out = []
    for hint in hints:
        position = lsp_position(doc, hint.offset)
        if (
            not (span.start.line, span.start.character)
            <= (position.line, position.character)
            <= (
                span.end.line,
                span.end.character,
            )
        ):
            continue
        out.append(
            types.InlayHint(position=position, label=hint.label, tooltip=hint.tooltip, padding_left=False)
        )
        if doc.from_share_code:
            break  # everything would land on the code's end: one summary is enough
    return out


def _symbol(doc: PobDocument, symbol: Any) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=symbol.name or "?",
        detail=symbol.detail,
        kind=enum_member(types.SymbolKind, str(symbol.kind), types.SymbolKind.Object),
        range=lsp_range(doc, symbol.range),
        selection_range=lsp_range(doc, symbol.selection_range),
        children=[_symbol(doc, child) for child in symbol.children] or None,
    )


def _flatten(
    uri: str, symbols: list[types.DocumentSymbol], container: str | None
) -> list[types.SymbolInformation]:
    out = []
    for s in symbols:
        location = types.Location(uri=uri, range=s.range)
        out.append(
            types.SymbolInformation(name=s.name, kind=s.kind, location=location, container_name=container)
        )
        out.extend(_flatten(uri, list(s.children or []), s.name))
    return out


def _code_actions(ls: PobServer, build: OpenBuild, params: types.CodeActionParams) -> list[types.CodeAction]:
    doc = build.doc if build.doc.ok else build.feature_doc()
    actions = guarded(
        analysis.code_actions, doc, build.feature_result(), text_range(doc, params.range), default=[]
    )
    out = []
    for action in actions:
        edits = _text_edits(doc, action)
        kind = action.kind if isinstance(action.kind, str) else types.CodeActionKind.QuickFix
        if params.context.only and not any(kind.startswith(str(only)) for only in params.context.only):
            continue
        out.append(
            types.CodeAction(
                title=action.title,
                kind=kind,
                is_preferred=bool(action.is_preferred) or None,
                edit=_workspace_edit(ls, build, edits),
            )
        )
    return out


def _text_edits(doc: PobDocument, action: analysis.Action) -> list[types.TextEdit]:
    """Action edits are ranges of what the user edits (`doc.source_text`), not of the XML."""
    out = []
    for span, new_text in action.edits:
        start, end = doc.source_line_index.range_to_lsp(span)
        lsp = types.Range(
            start=types.Position(line=start.line, character=start.character),
            end=types.Position(line=end.line, character=end.character),
        )
        out.append(types.TextEdit(range=lsp, new_text=new_text))
    return out


def _workspace_edit(ls: PobServer, build: OpenBuild, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    if ls.support.document_changes:
        ident = types.OptionalVersionedTextDocumentIdentifier(uri=build.uri, version=build.version)
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=ident, edits=list(edits))]
        )
    return types.WorkspaceEdit(changes={build.uri: edits})
