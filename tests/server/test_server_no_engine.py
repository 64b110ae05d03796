"""Without an engine: a clear message and diagnostics, and the document-only features still work.

Runs everywhere (the engine is pointed at a folder that does not exist), on pytest-lsp's
built-in profiles as well as the captured ones.
"""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import (
    SMALL_BUILD,
    available_profiles,
    capabilities,
    change_doc,
    open_doc,
    position_of,
    recorder,
    server_config,
    uses_pull,
    wait_until,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

PROFILES = ["neovim@v0.7.0", "neovim@v0.11.0", "emacs", "visual_studio_code", *available_profiles()]
URI = "file:///tmp/pob-ls-tests/no-engine.pob"


@pytest_lsp.fixture(
    scope="module", config=server_config({"POB_LS_ENGINE": "/nonexistent/pob-engine"}), params=PROFILES
)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(request.param), initialization_options={"debounce": 0}
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics(client: LanguageClient, version: int) -> list[types.Diagnostic]:
    if uses_pull(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=URI))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    published = recorder(client).published
    await wait_until(
        lambda: published.get(URI) and published[URI][-1][0] == version, 10, f"version {version}"
    )
    return published[URI][-1][1]


async def test_missing_engine_is_reported_clearly(client: LanguageClient) -> None:
    await wait_until(lambda: client.messages, 20, "window/showMessage")
    message = client.messages[0]
    assert message.type == types.MessageType.Error
    assert "engine" in message.message and "pob-ls engine install" in message.message
    assert any(s["state"] == "error" for s in recorder(client).statuses)
    open_doc(client, URI, SMALL_BUILD, 1)
    diags = await diagnostics(client, 1)
    assert any("pob-ls engine install" in d.message for d in diags), [d.message for d in diags]


async def test_broken_xml_diagnostic_position(client: LanguageClient) -> None:
    broken = SMALL_BUILD.replace('<Gem nameSpec="Fireball"', '<Gem nameSpec="Fireball', 1)
    change_doc(client, URI, 2, broken)
    diags = await diagnostics(client, 2)
    line = position_of(broken, 'nameSpec="Fireball').line
    errors = [
        d for d in diags if d.code not in ("engine-error",) and d.severity == types.DiagnosticSeverity.Error
    ]
    assert errors and errors[0].range.start.line == line, errors


async def test_document_features_without_engine(client: LanguageClient) -> None:
    change_doc(client, URI, 3, SMALL_BUILD)
    await diagnostics(client, 3)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert symbols
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=position_of(SMALL_BUILD, "<Build", 2),
        )
    )
    assert hover is not None and "pob-ls engine install" in str(hover.contents)
    reply = await client.protocol.send_request_async("pob/shareCode", {"uri": URI})
    assert reply.code
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=50, character=0)
            ),
        )
    )
    assert not hints


async def test_no_progress_or_configuration_unless_advertised(client: LanguageClient) -> None:
    caps = client.capabilities
    assert caps is not None
    if not (caps.window and caps.window.work_done_progress):
        assert not client.progress_reports
    watched = caps.workspace and caps.workspace.did_change_watched_files
    dynamic = bool(watched and watched.dynamic_registration)
    assert bool(recorder(client).registrations) == dynamic
