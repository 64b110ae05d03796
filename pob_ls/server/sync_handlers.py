"""Document sync: parse at once, publish what the text alone shows, hand good text to the engine."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from pob_ls.server.documents import open_build
from pob_ls.server.server import PobServer

log = logging.getLogger(__name__)


def register(server: PobServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PobServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        build = ls.builds[item.uri] = open_build(item.uri, item.version, item.text)
        ls.publish(build, force=True)
        ls.send_to_engine(build)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PobServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        build = ls.builds.get(uri)
        if build is None:
            return
        text = ls.workspace.get_text_document(uri).source  # pygls applied the incremental edits
        build.update(params.text_document.version, text)
        ls.publish(build)  # only if what the text shows changed; the engine's answer follows
        ls.send_to_engine(build)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PobServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.builds.pop(uri, None) is not None:
            ls.engine.close(uri)
            ls.clear(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: PobServer, params: types.DidSaveTextDocumentParams) -> None:
        _recheck(ls, params.text_document.uri, "saved")

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: PobServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            _recheck(ls, change.uri, "changed on disk")


def _recheck(ls: PobServer, uri: str, why: Any) -> None:
    """PoB saved the file: re-publish an open build (the editor's text is what counts); ignore others."""
    build = ls.builds.get(uri)
    if build is None:
        return
    log.info("%s %s: re-checking version %s", uri, why, build.version)
    ls.publish(build, force=True)
    if build.analysis is None or build.engine_error is not None:
        ls.send_to_engine(build)
