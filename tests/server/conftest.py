"""Driving the real `pob-ls serve` over stdio as real editors would (their captured capabilities)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[2]
CLIENTS = REPO.parent / "shared" / "clients"
SERVER = [sys.executable, "-m", "pob_ls.cli", "serve"]

CAPTURED = {
    "vscode-1.100.3": "visual_studio_code_v1.100.3.json",
    "neovim-0.11.4": "neovim_v0.11.4.json",
    "neovim-0.7.2": "neovim_v0.7.2.json",
    "eglot-1.9": "emacs_eglot1.9_v28.2.json",
}

SMALL_BUILD = """<?xml version="1.0" encoding="UTF-8"?>
<PathOfBuilding>
\t<Build level="90" className="Witch" ascendClassName="Necromancer" mainSocketGroup="1" targetVersion="3_0">
\t</Build>
\t<Tree activeSpec="1">
\t\t<Spec treeVersion="3_28" classId="3" ascendClassId="2" nodes=""/>
\t</Tree>
\t<Items activeItemSet="1">
\t\t<ItemSet id="1"/>
\t</Items>
\t<Skills activeSkillSet="1">
\t\t<SkillSet id="1">
\t\t\t<Skill enabled="true"><Gem nameSpec="Fireball" level="20" quality="0" enabled="true"/></Skill>
\t\t</SkillSet>
\t</Skills>
\t<Config><Input name="enemyIsBoss" string="Pinnacle"/></Config>
</PathOfBuilding>
"""


def capabilities(profile: str) -> types.ClientCapabilities:
    """A captured profile from ../shared/clients, or one of pytest-lsp's ("neovim@v0.11.0")."""
    if profile in CAPTURED:
        data = json.loads((CLIENTS / CAPTURED[profile]).read_text())
        caps: types.ClientCapabilities = default_converter().structure(
            data["capabilities"], types.ClientCapabilities
        )
        return caps
    return client_capabilities(profile)


def available_profiles() -> list[str]:
    return [name for name, file in CAPTURED.items() if (CLIENTS / file).is_file()]


class Recorder:
    """What a test needs to see beyond pytest-lsp's defaults: versions of published diagnostics,
    pob/status notifications, refresh requests and registrations."""

    def __init__(self) -> None:
        self.published: dict[str, list[tuple[int | None, list[types.Diagnostic]]]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.refreshes: dict[str, int] = {}
        self.registrations: list[types.Registration] = []


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    recorder = Recorder()
    client.recorder = recorder  # type: ignore[attr-defined]
    features = dict(DEFAULT_CLIENT_FEATURES)
    default_publish = features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        default_publish(client, params)
        recorder.published.setdefault(params.uri, []).append((params.version, list(params.diagnostics)))

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)

    @client.feature("pob/status")
    def status(params: Any) -> None:
        recorder.statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    for method in (types.WORKSPACE_INLAY_HINT_REFRESH, types.WORKSPACE_CODE_LENS_REFRESH):

        def refresh(params: Any, method: str = method) -> None:
            recorder.refreshes[method] = recorder.refreshes.get(method, 0) + 1

        client.feature(method)(refresh)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        recorder.registrations.extend(params.registrations)

    return client


def server_config(env: dict[str, str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=SERVER, client_factory=make_client, server_env={**os.environ, **(env or {})}
    )


def recorder(client: LanguageClient) -> Recorder:
    rec: Recorder = client.recorder  # type: ignore[attr-defined]
    return rec


async def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_calculated(
    client: LanguageClient, uri: str, version: int, timeout: float = 90.0
) -> dict[str, Any]:
    """The pob/status the server sends after publishing the engine's diagnostics for `version`."""

    def found() -> dict[str, Any] | None:
        for status in recorder(client).statuses:
            if status.get("uri") == uri and status.get("version") == version:
                return status
        return None

    status: dict[str, Any] = await wait_until(found, timeout, f"{uri} version {version} to be calculated")
    return status


def uses_pull(client: LanguageClient) -> bool:
    caps = client.capabilities
    assert caps is not None
    return bool(
        caps.text_document
        and caps.text_document.diagnostic is not None
        and caps.workspace
        and caps.workspace.diagnostics
        and caps.workspace.diagnostics.refresh_support
    )


async def current_diagnostics(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """Diagnostics as the editor would have them for `version` (pulled, or the last push)."""
    if uses_pull(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert report.result_id is not None and report.result_id.startswith(f"{version}.")
        return list(report.items)
    pushes = recorder(client).published.get(uri) or []
    assert pushes, f"no diagnostics published for {uri}"
    last_version, diags = pushes[-1]
    assert last_version == version
    return diags


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="pob", version=version, text=text)
        )
    )


def change_doc(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def position_of(text: str, needle: str, delta: int = 0) -> types.Position:
    """LSP position of the first `needle` (+delta chars); the test texts are ASCII."""
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))
