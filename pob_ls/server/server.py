"""`PobServer`: the open builds, the engine link, and publishing what analysis finds.

Handlers live in their own modules (`sync_handlers`, `feature_handlers`, `custom_methods`,
`lifecycle`); this class holds the state they share and the one way diagnostics leave.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from pob_ls import __version__
from pob_ls.engine.messages import BuildResultJson, Catalog
from pob_ls.engine.service import EngineRequestError
from pob_ls.server import analysis_bridge as analysis
from pob_ls.server.client_support import ClientSupport
from pob_ls.server.convert import diagnostic
from pob_ls.server.documents import Analysis, OpenBuild
from pob_ls.server.engine_router import EngineRouter
from pob_ls.server.settings import Settings

log = logging.getLogger(__name__)

STATUS_METHOD = "pob/status"


class PobProtocol(LanguageServerProtocol):
    """Positions are UTF-16 throughout pob-ls: never let pygls agree to utf-8 or utf-32."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        general = params.capabilities.general
        if general is not None and general.position_encodings is not None:
            general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))


class PobServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pob-ls", __version__, protocol_cls=PobProtocol)
        self.support = ClientSupport()
        self.settings = Settings()
        self.init_options: Any = None
        self.builds: dict[str, OpenBuild] = {}
        self.engine = EngineRouter(self.on_engine_state, self.on_engine_result)
        self.pull_reports: dict[str, tuple[str, list[types.Diagnostic]]] = {}
        self.last_recalc_ms: float | None = None
        self.catalogs: dict[str, Catalog] = {}  # each engine's gem/config names, for completion
        self._publish_seq = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._progress_token: str | None = None
        self._progress_seq = 0

    # -- background work ---------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run on the event loop, never on pygls' thread pool (it also reads stdin)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    # -- messages to the client ----------------------------------------------------------

    def log_to_client(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def send_status(self, state: str, message: str, engine: str | None = None, **extra: Any) -> None:
        """`engine`: the engine this is about (the one that computed `uri`); `builds`: each build's."""
        payload: dict[str, Any] = {
            "state": state,
            "message": message,
            "engine": engine,
            "builds": self.engine.builds(),
            "lastRecalcMs": self.last_recalc_ms,
        }
        payload.update(extra)
        self.protocol.notify(STATUS_METHOD, payload)

    async def request_quietly(self, method: str, params: Any = None) -> Any:
        """A server->client request whose failure only gets logged (refreshes, registrations)."""
        try:
            return await asyncio.wait_for(self.protocol.send_request_async(method, params), 30.0)
        except Exception as exc:
            log.info("%s failed: %s", method, exc)
            return None

    # -- engine callbacks ----------------------------------------------------------------

    def on_engine_state(self, state: str, message: str, engine: str | None = None) -> None:
        self.send_status(state, message, engine)
        kind = types.MessageType.Error if state == "error" else types.MessageType.Info
        self.log_to_client(f"pob-ls: {message}", kind)
        self._progress(state, message)

    def on_engine_result(self, uri: str, version: int, payload: BuildResultJson | EngineRequestError) -> None:
        try:
            self._take_result(uri, version, payload)
        except Exception:
            log.exception("handling the engine result for %s version %s", uri, version)

    def _take_result(self, uri: str, version: int, payload: BuildResultJson | EngineRequestError) -> None:
        build = self.builds.get(uri)
        if build is None:
            return
        doc = build.take_sent(version) or (build.good if build.good_version == version else None)
        if doc is None:
            return
        if isinstance(payload, dict):
            build.analysis = Analysis(version, doc, payload)
            build.engine_error = build.engine_error_kind = None
        else:
            build.engine_error, build.engine_error_kind = payload.message, payload.kind
            if payload.kind == "build":
                build.analysis = None  # PoB rejected this text: its old numbers no longer apply
            self.log_to_client(f"pob-ls: {uri} v{version}: {payload}", types.MessageType.Warning)
        if build.changed_at is not None:
            self.last_recalc_ms = round((time.perf_counter() - build.changed_at) * 1000.0, 1)
        self.publish(build, force=True)
        self.refresh_views()
        self.send_status(
            "ready" if isinstance(payload, dict) else "error",
            f"{uri} version {version} calculated" if isinstance(payload, dict) else payload.message,
            self.engine.label_for(uri),
            uri=uri,
            version=version,
        )

    def send_to_engine(self, build: OpenBuild) -> None:
        if not build.doc.ok:
            return  # PoB cannot read it either; the last good result stays
        build.remember_sent(build.version, build.doc)
        build.changed_at = time.perf_counter()
        changed = self.engine.update(build.uri, build.version, build.doc)
        problem = self.engine.problem_for(build.uri)
        if problem is not None:
            self._no_engine(build, problem, changed)
        elif changed:
            self.log_to_client(f"pob-ls: {build.uri} goes to {self.engine.label_for(build.uri)}")

    def _no_engine(self, build: OpenBuild, problem: str, changed: bool) -> None:
        """No engine knows the build's tree: its one diagnostic, no numbers, and this version answered."""
        build.analysis = None
        build.engine_error = build.engine_error_kind = None
        build.take_sent(build.version)
        self.publish(build, force=True)
        if changed:
            self.refresh_views()
        self.send_status("error", problem, None, uri=build.uri, version=build.version)

    # -- diagnostics ---------------------------------------------------------------------

    def diagnostics(self, build: OpenBuild) -> list[types.Diagnostic]:
        """Document findings of the current text, engine findings of the text they were computed on."""
        out = [diagnostic(build.doc, f) for f in analysis.document_findings(build.doc)]
        problem = self.engine.problem_for(build.uri)
        if problem is not None:  # no engine knows its tree: one diagnostic, and no stale numbers
            routed = build.good or build.doc  # the parse the route was chosen on
            found = analysis.no_engine_findings(routed, problem, self.engine.unknown_trees_for(build.uri))
            return out + [diagnostic(routed, f) for f in found]
        missing = self.engine.missing_message_for(build.uri)
        if build.analysis is not None:
            a = build.analysis
            found = analysis.engine_findings(a.doc, a.result, self.settings.analysis_settings())
            out.extend(diagnostic(a.doc, f) for f in found)
        anchor = build.good or build.doc
        if build.engine_error is not None:
            out.extend(
                diagnostic(anchor, f) for f in analysis.engine_error_findings(anchor, build.engine_error)
            )
        elif missing is not None:
            out.extend(diagnostic(anchor, f) for f in analysis.engine_error_findings(anchor, missing))
        return out

    def publish(self, build: OpenBuild, *, force: bool = False) -> None:
        """Send diagnostics for the build's current version; unchanged ones only when `force`d."""
        diags = self.diagnostics(build)
        key = tuple(repr(d) for d in diags)
        if not force and build.published is not None and build.published[1] == key:
            return
        build.published = (build.version, key)
        if self.support.uses_pull:
            self._publish_seq += 1
            self.pull_reports[build.uri] = (f"{build.version}.{self._publish_seq}", diags)
            self.spawn(self.request_quietly(types.WORKSPACE_DIAGNOSTIC_REFRESH))
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=build.uri, diagnostics=diags, version=build.version)
        )

    def publish_all(self) -> None:
        for build in list(self.builds.values()):
            self.publish(build, force=True)

    def clear(self, uri: str) -> None:
        self.pull_reports.pop(uri, None)
        if not self.support.uses_pull:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def refresh_views(self) -> None:
        """Ask the client to re-request inlay hints and code lenses (only where it supports that)."""
        if self.support.inlay_hint_refresh:
            self.spawn(self.request_quietly(types.WORKSPACE_INLAY_HINT_REFRESH))
        if self.support.code_lens_refresh:
            self.spawn(self.request_quietly(types.WORKSPACE_CODE_LENS_REFRESH))

    # -- work-done progress --------------------------------------------------------------

    def _progress(self, state: str, message: str) -> None:
        if not self.support.work_done_progress:
            return
        if state == "booting" and self._progress_token is None:
            self._progress_seq += 1
            token = self._progress_token = f"pob-ls-engine-{self._progress_seq}"
            self.spawn(self._begin_progress(token, message))
        elif state in ("booting", "loading") and self._progress_token is not None:
            token = self._progress_token
            with contextlib.suppress(Exception):
                if token in self.work_done_progress.tokens:
                    self.work_done_progress.report(token, types.WorkDoneProgressReport(message=message))
        elif state in ("ready", "error") and self._progress_token is not None:
            token, self._progress_token = self._progress_token, None
            self.spawn(self._end_progress(token, message))

    async def _begin_progress(self, token: str, message: str) -> None:
        # Not awaited inside a cancellable request: pygls #621 (InvalidStateError on cancel).
        try:
            await self.work_done_progress.create_async(token)
        except Exception as exc:
            log.info("window/workDoneProgress/create refused: %s", exc)
            return
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title="PoB engine", message=message, cancellable=False)
        )

    async def _end_progress(self, token: str, message: str) -> None:
        for _ in range(100):  # the create request may still be in flight
            if token in self.work_done_progress.tokens:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
                return
            await asyncio.sleep(0.05)
