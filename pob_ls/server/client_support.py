"""What the connected client can take, read once from its capabilities.

The server only starts what the client advertised: progress tokens, refresh requests, dynamic
registration, `workspace/configuration`. Clients differ (Neovim 0.7 has no configuration request,
eglot 1.9 no progress, Neovim 0.11 pulls diagnostics but cannot be told to pull again).
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types
from pygls.capabilities import get_capability


@dataclass(frozen=True)
class ClientSupport:
    configuration: bool = False
    work_done_progress: bool = False
    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    inlay_hint_refresh: bool = False
    code_lens_refresh: bool = False
    watched_files_registration: bool = False
    diagnostic_versions: bool = False
    hover_markdown: bool = False
    hierarchical_symbols: bool = False
    document_changes: bool = False

    @property
    def uses_pull(self) -> bool:
        """Pull only when we can also ask the client to pull again after a recalculation."""
        return self.pull_diagnostics and self.diagnostic_refresh

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities | None) -> ClientSupport:
        if caps is None:
            return cls()

        def has(path: str) -> bool:
            return bool(get_capability(caps, path, False))

        hover_formats = get_capability(caps, "text_document.hover.content_format", None) or []
        return cls(
            configuration=has("workspace.configuration"),
            work_done_progress=has("window.work_done_progress"),
            pull_diagnostics=get_capability(caps, "text_document.diagnostic", None) is not None,
            diagnostic_refresh=has("workspace.diagnostics.refresh_support"),
            inlay_hint_refresh=has("workspace.inlay_hint.refresh_support"),
            code_lens_refresh=has("workspace.code_lens.refresh_support"),
            watched_files_registration=has("workspace.did_change_watched_files.dynamic_registration"),
            diagnostic_versions=has("text_document.publish_diagnostics.version_support"),
            hover_markdown=types.MarkupKind.Markdown in hover_formats,
            hierarchical_symbols=has("text_document.document_symbol.hierarchical_document_symbol_support"),
            document_changes=has("workspace.workspace_edit.document_changes"),
        )
