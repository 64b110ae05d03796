"""End to end with the PoB engine: one server per client profile, one real build edited in steps.

The steps run in order on the same server (module scope), like an editing session.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from pob_ls.document import encode_share_code
from tests.conftest import SHARED_BUILDS, engine_or_skip
from tests.server.conftest import (
    SMALL_BUILD,
    available_profiles,
    capabilities,
    change_doc,
    current_diagnostics,
    open_doc,
    position_of,
    recorder,
    server_config,
    uses_pull,
    wait_calculated,
    wait_until,
)

pytestmark = [
    pytest.mark.engine,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

BUILD_065 = SHARED_BUILDS / "065-dominating-blow-of-inspiring-guardian-3-28.xml"
URI = "file:///tmp/pob-ls-tests/065.pob"
SHARE_URI = "file:///tmp/pob-ls-tests/small-share.pob"
INACTIVE = '<Input name="BrandsAttachedToEnemy"'


def build_text() -> str:
    if not BUILD_065.is_file():
        pytest.skip("../shared/builds/065 is absent")
    return BUILD_065.read_text(encoding="utf-8")


@pytest_lsp.fixture(scope="module", config=server_config(), params=available_profiles())
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    engine_or_skip()
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(request.param),
            initialization_options={"debounce": 50},
            client_info=types.ClientInfo(name=f"pytest ({request.param})"),
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_opened_version_gets_engine_diagnostics(client: LanguageClient) -> None:
    text = build_text()
    open_doc(client, URI, text, 1)
    status = await wait_calculated(client, URI, 1)
    assert status["state"] == "ready" and status["engine"].startswith("PoB ")
    diags = await current_diagnostics(client, URI, 1)
    inactive = [d for d in diags if d.code == "config-inactive"]
    assert inactive, [d.message for d in diags]
    line = position_of(text, INACTIVE).line
    assert any(d.range.start.line == line and "BrandsAttachedToEnemy" in d.message for d in inactive)


async def test_progress_and_status_follow_the_client(client: LanguageClient) -> None:
    rec = recorder(client)
    states = [s["state"] for s in rec.statuses]
    assert "booting" in states and "ready" in states
    caps = client.capabilities
    assert caps is not None
    progress = bool(caps.window and caps.window.work_done_progress)
    assert bool(client.progress_reports) == progress
    if progress:
        reports = next(iter(client.progress_reports.values()))
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)


async def test_config_edit_gives_diagnostics_for_the_new_version(client: LanguageClient) -> None:
    text = build_text()
    start = text.index(INACTIVE)
    edited = text[:start] + text[text.index("/>", start) + 2 :]  # drop the inactive config input
    change_doc(client, URI, 2, edited)
    await wait_calculated(client, URI, 2)
    diags = await current_diagnostics(client, URI, 2)
    assert not any("BrandsAttachedToEnemy" in d.message for d in diags)
    assert any(d.code == "config-inactive" for d in diags)


async def test_gem_level_edit_recalculates(client: LanguageClient) -> None:
    text = build_text()
    start = text.index("<Gem ")
    level = text.index('level="', start) + len('level="')
    edited = text[:level] + "1" + text[text.index('"', level) :]
    change_doc(client, URI, 3, edited)
    status = await wait_calculated(client, URI, 3)
    assert status["lastRecalcMs"] is not None and status["lastRecalcMs"] > 0
    await current_diagnostics(client, URI, 3)


async def _inactive_config_shown(client: LanguageClient, shown: bool) -> None:
    """Wait until the editor's diagnostics for URI (version 3) show inactive-config warnings, or not."""
    for _ in range(200):
        diags = await current_diagnostics(client, URI, 3)
        if any(d.code == "config-inactive" for d in diags) == shown:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"inactive-config warnings {'never appeared' if shown else 'stayed'}")


async def test_settings_change_applies_to_open_documents(client: LanguageClient) -> None:
    """workspace/didChangeConfiguration: the server reads its settings again (asking the client where
    the client answers workspace/configuration, else taking what was pushed) and republishes."""
    await _inactive_config_shown(client, True)
    for value in (False, True):  # off, then back on for the steps after this one
        settings = {"warnings": {"inactiveConfig": value}}
        client.set_configuration(settings, section="pob")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"pob": settings})
        )
        await _inactive_config_shown(client, value)


async def _diagnostics_id(client: LanguageClient) -> object:
    """What changes when the server sends URI's diagnostics again: the pulled report's id, or the
    number of pushes."""
    if uses_pull(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=URI))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return report.result_id
    return len(recorder(client).published.get(URI) or [])


async def test_file_changed_on_disk_republishes_the_open_version(client: LanguageClient) -> None:
    """workspace/didChangeWatchedFiles (PoB saved the file): an open build's diagnostics are sent
    again for the editor's version; a file that is not open is ignored."""
    before = await _diagnostics_id(client)
    elsewhere = "file:///tmp/pob-ls-tests/not-open.pob"
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=elsewhere, type=types.FileChangeType.Changed),
                types.FileEvent(uri=URI, type=types.FileChangeType.Changed),
            ]
        )
    )
    for _ in range(200):
        if await _diagnostics_id(client) != before:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("diagnostics were not sent again")
    assert any(d.code == "config-inactive" for d in await current_diagnostics(client, URI, 3))
    assert elsewhere not in recorder(client).published


async def test_hover_on_build_shows_the_stat_sheet(client: LanguageClient) -> None:
    text = build_text()
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(text, "<Build", 2)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Life" in hover.contents.value
    caps = client.capabilities
    assert caps is not None and caps.text_document is not None and caps.text_document.hover is not None
    formats = caps.text_document.hover.content_format or []
    expected = (
        types.MarkupKind.Markdown if types.MarkupKind.Markdown in formats else types.MarkupKind.PlainText
    )
    assert hover.contents.kind == expected


async def test_hovers_carry_pobs_what_if_deltas(client: LanguageClient) -> None:
    import re

    text = build_text()
    start = text.index("<Gem ")
    level = text.index('level="', start) + len('level="')
    current = text[:level] + "1" + text[text.index('"', level) :]  # the text of version 3
    body_armour = re.search(r'<Slot [^>]*name="Body Armour"[^>]*itemId="(\d+)"', current)
    assert body_armour is not None
    targets = [
        (f'<Item id="{body_armour.group(1)}"', 2, "Removing this item from Body Armour"),
        ('nodes="', len('nodes="') + 1, "this node"),
        ("<Gem ", 2, "this gem"),
    ]
    for needle, delta, expected in targets:
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=URI),
                position=position_of(current, needle, delta),
            )
        )
        assert hover is not None, needle
        value = (
            hover.contents.value if isinstance(hover.contents, types.MarkupContent) else str(hover.contents)
        )
        assert expected in value, (needle, value[:300])


async def test_inlay_hints_and_code_lenses(client: LanguageClient) -> None:
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=99999, character=0)
            ),
        )
    )
    assert hints, "no inlay hints"
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert lenses and all(lens.command is not None and lens.command.title for lens in lenses)
    caps = client.capabilities
    assert caps is not None
    rec = recorder(client)
    refresh = bool(caps.workspace and caps.workspace.inlay_hint and caps.workspace.inlay_hint.refresh_support)
    assert bool(rec.refreshes.get(types.WORKSPACE_INLAY_HINT_REFRESH)) == refresh


async def test_symbols_and_code_actions(client: LanguageClient) -> None:
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert symbols and any(s.name == "Build" for s in symbols)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(
                start=types.Position(line=2, character=2), end=types.Position(line=2, character=2)
            ),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions and any("share code" in a.title for a in actions if isinstance(a, types.CodeAction))


async def test_broken_xml_is_placed_and_keeps_the_last_analysis(client: LanguageClient) -> None:
    text = build_text()
    cut = text.index("<Skills")
    broken = text[:cut] + "<Skills <<" + text[cut + len("<Skills") :]
    change_doc(client, URI, 4, broken)
    line = position_of(broken, "<Skills <<").line

    async def diags_now() -> list[types.Diagnostic]:
        return await current_diagnostics(client, URI, 4)

    if not uses_pull(client):
        await wait_until(lambda: recorder(client).published[URI][-1][0] == 4, 10, "a publish for version 4")
    diags = await diags_now()
    errors = [d for d in diags if d.severity == types.DiagnosticSeverity.Error]
    assert errors and abs(errors[0].range.start.line - line) <= 1, (line, errors)
    assert any(d.code == "config-inactive" for d in diags), "the last good analysis was dropped"
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(broken, "<Build", 2)
        )
    )
    assert hover is not None and "Life" in str(hover.contents)


async def test_share_code_file(client: LanguageClient) -> None:
    code = encode_share_code(SMALL_BUILD)
    open_doc(client, SHARE_URI, code + "\n", 1)
    await wait_calculated(client, SHARE_URI, 1)
    await current_diagnostics(client, SHARE_URI, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=SHARE_URI),
            position=types.Position(line=0, character=5),
        )
    )
    assert hover is not None and "Life" in str(hover.contents)
    reply = await client.protocol.send_request_async("pob/shareCode", {"uri": SHARE_URI})
    assert reply.code and isinstance(reply.code, str)
    sheet = await client.protocol.send_request_async("pob/statSheet", {"uri": SHARE_URI})
    assert "Life" in sheet.markdown


async def test_close_clears_diagnostics(client: LanguageClient) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=SHARE_URI))
    )
    if not uses_pull(client):
        await wait_until(
            lambda: recorder(client).published[SHARE_URI][-1][1] == [], 10, "cleared diagnostics"
        )
