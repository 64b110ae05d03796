"""initialize / initialized / configuration / shutdown: settings in, engine up, engine down."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from pob_ls.server.client_support import ClientSupport
from pob_ls.server.server import PobServer
from pob_ls.server.settings import Settings, parse_settings

log = logging.getLogger(__name__)

WATCH_ID = "pob-ls-watch-pob-files"


def register(server: PobServer, pull_handler: Any) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: PobServer, params: types.InitializeParams) -> None:
        ls.support = ClientSupport.from_capabilities(params.capabilities)
        ls.init_options = params.initialization_options
        ls.settings = parse_settings(params.initialization_options)
        if ls.support.uses_pull:
            # Registered here, before pygls computes the capabilities, so that push-only clients
            # (and Neovim 0.11, which pulls but cannot be asked to pull again) never see it.
            ls.feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(
                    identifier="pob-ls", inter_file_dependencies=False, workspace_diagnostics=False
                ),
            )(pull_handler)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PobServer, params: types.InitializedParams) -> None:
        ls.spawn(_start(ls))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: PobServer, params: types.DidChangeConfigurationParams) -> None:
        ls.spawn(_reconfigure(ls, params.settings))

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: PobServer, params: None) -> None:
        await ls.engine.stop()


async def read_settings(ls: PobServer, pushed: Any = None) -> Settings:
    """`workspace/configuration` "pob" where supported; else what the client pushed or gave at start."""
    if ls.support.configuration:
        reply = await ls.request_quietly(
            types.WORKSPACE_CONFIGURATION,
            types.ConfigurationParams(items=[types.ConfigurationItem(section="pob")]),
        )
        if isinstance(reply, list) and reply and isinstance(reply[0], dict) and reply[0]:
            return parse_settings(reply[0])
    if isinstance(pushed, dict) and pushed:
        return parse_settings(pushed)
    return parse_settings(ls.init_options)


async def _start(ls: PobServer) -> None:
    ls.settings = await read_settings(ls)
    if ls.support.watched_files_registration:
        await ls.request_quietly(
            types.CLIENT_REGISTER_CAPABILITY,
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=WATCH_ID,
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern="**/*.pob")]
                        ),
                    )
                ]
            ),
        )
    await _start_engine(ls)


async def _start_engine(ls: PobServer) -> None:
    ok = await ls.engine.start(ls.settings.engine, ls.settings.debounce)
    if not ok:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=f"pob-ls: {ls.engine.message}")
        )
    for build in list(ls.builds.values()):  # other engines may still fit builds the failed one had
        ls.send_to_engine(build)
    ls.publish_all()


async def _reconfigure(ls: PobServer, pushed: Any) -> None:
    old = ls.settings
    ls.settings = await read_settings(ls, pushed)
    ls.engine.set_debounce(ls.settings.debounce)
    if ls.settings.engine != old.engine:
        await _start_engine(ls)
        return
    if ls.settings != old:
        ls.publish_all()
        ls.refresh_views()
