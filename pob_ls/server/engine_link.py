"""The server's hold on the engine service: find the engine, start it, report how that goes.

Nothing here runs PoB: `EngineService` keeps PoB in worker processes. This module only turns its
life cycle into states the server reports (`pob/status`, work-done progress, log messages) and
keeps the server usable for document-only features when there is no engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from pob_ls.engine.messages import BuildResultJson
from pob_ls.engine.provisioning import EngineFiles, EngineLayout
from pob_ls.engine.service import EngineRequestError, EngineService, StatusEvent

log = logging.getLogger(__name__)

StateCallback = Callable[[str, str], None]
ResultCallback = Callable[[str, int, "BuildResultJson | EngineRequestError"], None]


def engine_files(layout: EngineLayout) -> EngineFiles:
    return EngineFiles(layout.root, layout.script_dir, layout.lua_lib_dirs, layout.version)


def engine_label(layout: EngineLayout) -> str:
    """How statuses name an engine: "PoB 2.63.0", plus where it is when it is the user's own PoB."""
    return f"PoB {layout.version}" + (f" ({layout.root})" if layout.source == "system" else "")


class EngineLink:
    """One `EngineService` at a time; `state` is booting, loading, ready, error or stopped."""

    def __init__(self, on_state: StateCallback, on_result: ResultCallback) -> None:
        self._on_state = on_state
        self._on_result = on_result
        self.service: EngineService | None = None
        self.state = "stopped"
        self.message = ""
        self.engine_label = ""
        self.engine_request: str | None = None
        self.started_at: float | None = None
        self.ready_seconds: float | None = None

    @property
    def running(self) -> bool:
        return self.service is not None and self.state in ("ready", "loading")

    @property
    def missing_message(self) -> str | None:
        """Why there is no engine, for diagnostics on every open build; None while one runs or boots."""
        return self.message if self.state == "error" and self.service is None else None

    async def start(self, engine: str | None, debounce: float) -> bool:
        """Find and boot the engine; False (state error, message set) when that is impossible."""
        from pob_ls.engine.provisioning import INSTALL_HINT, EngineError, find_engine

        await self.stop()
        self.engine_request = engine
        self.started_at = time.perf_counter()
        self._set("booting", "looking for the PoB engine")
        try:
            layout = await asyncio.to_thread(find_engine, engine)
        except EngineError as exc:
            hint = "" if INSTALL_HINT in str(exc) else f"; {INSTALL_HINT}"
            self._set("error", f"PoB engine not available: {exc}{hint}")
            return False
        return await self.boot(layout, debounce)

    async def boot(self, layout: EngineLayout, debounce: float) -> bool:
        """Boot the service for a known engine; False (state error, message set) when it cannot start."""
        await self.stop()
        self.started_at = time.perf_counter()
        self.engine_label = engine_label(layout)
        service = EngineService(
            engine_files(layout), debounce=debounce, on_status=self._status, on_result=self._on_result
        )
        self._set("booting", f"booting {self.engine_label} from {layout.root}")
        try:
            await service.start()
        except (EngineRequestError, OSError) as exc:
            with contextlib.suppress(Exception):
                await service.stop()
            self._set("error", f"{self.engine_label} failed to start: {exc}")
            return False
        except asyncio.CancelledError:  # the server stops or reconfigures mid-boot: leave no zygote behind
            with contextlib.suppress(Exception):
                await service.stop()
            raise
        self.service = service
        self.ready_seconds = time.perf_counter() - self.started_at
        self._set("ready", f"{self.engine_label} ready in {self.ready_seconds:.1f} s")
        return True

    async def stop(self) -> None:
        service, self.service = self.service, None
        if service is not None:
            try:
                await asyncio.wait_for(service.stop(), 10.0)
            except Exception:
                log.exception("stopping the engine service")
        self.state = "stopped"

    def update(self, uri: str, version: int, text: str) -> bool:
        """Hand a version to the engine; False when no engine runs (it gets the text when one starts)."""
        if self.service is None:
            return False
        try:
            self.service.update(uri, version, text)
        except EngineRequestError as exc:
            log.warning("engine update of %s failed: %s", uri, exc)
            return False
        return True

    def close(self, uri: str) -> None:
        if self.service is not None:
            with contextlib.suppress(EngineRequestError):
                self.service.close(uri)

    def set_debounce(self, seconds: float) -> None:
        if self.service is not None:
            self.service.debounce = seconds

    def _status(self, event: StatusEvent) -> None:
        if event.kind == "worker_restarted":
            self._set(self.state if self.state != "stopped" else "ready", event.message)
        elif event.kind == "error" and event.uri is not None:
            log.warning("%s", event.message)  # one build's failure: its diagnostics say so
        elif self.service is not None or event.kind != "ready":
            self._set(event.kind, event.message)

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        with contextlib.suppress(Exception):
            self._on_state(state, message)
