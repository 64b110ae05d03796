"""Several PoB engines at once: each build goes to the engine that fits it, each engine in its own service.

The engine the user configured (`pob.engine`, or `$POB_LS_ENGINE`) computes every build. Otherwise a build
goes to the newest available engine (our installs, then PoBs found on the machine) that knows every tree
version its `<Spec treeVersion>`s name. Each engine is one `EngineLink` (one `EngineService`); the newest is
booted at start, the others on first use, and stopped again once no open build has used them for a while
(`IDLE_SECONDS`). A build no engine knows gets one message instead (its diagnostic), and document-level
features are unaffected. Nothing here runs PoB: the services keep it in workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pob_ls.document import PobDocument
from pob_ls.engine.messages import BuildResultJson
from pob_ls.engine.provisioning import EngineLayout
from pob_ls.engine.service import EngineRequestError, EngineService
from pob_ls.server.engine_link import EngineLink, engine_label

log = logging.getLogger(__name__)

IDLE_SECONDS = 120.0

#: (state, message, label of the engine it is about or None for the router itself).
StateCallback = Callable[[str, str, "str | None"], None]
ResultCallback = Callable[[str, int, "BuildResultJson | EngineRequestError"], None]


def tree_versions(doc: PobDocument) -> list[str]:
    """Every `<Spec treeVersion>` of the build (PoB loads all specs, the leveling ones too), in order."""
    if doc.tree is None:
        return []
    seen = [spec.tree_version for spec in doc.tree.specs if spec.tree_version]
    return list(dict.fromkeys(v for v in seen if v is not None))


@dataclass
class _Route:
    """Where one build goes: an engine link, or nowhere with the reason."""

    link: EngineLink | None
    problem: str | None = None
    trees: tuple[str, ...] = ()


class EngineRouter:
    """The server's engines; `state`/`message` describe discovery, each link reports its own."""

    def __init__(self, on_state: StateCallback, on_result: ResultCallback) -> None:
        self._on_state = on_state
        self._on_result = on_result
        self.engines: list[EngineLayout] = []
        self.fixed: EngineLayout | None = None  # the configured engine: every build goes there
        self.links: dict[str, EngineLink] = {}  # by engine folder
        self.routes: dict[str, _Route] = {}
        self.state = "stopped"
        self.message = ""
        self._debounce = 0.15
        self._pending: dict[str, dict[str, tuple[int, str]]] = {}  # engine folder -> uri -> latest text
        self._boots: dict[str, asyncio.Task[bool]] = {}
        self._idle: dict[str, asyncio.Task[None]] = {}  # engine folder -> its pending idle stop
        #: An engine other than the newest is stopped once no open build has used it for this long.
        self.idle_seconds = IDLE_SECONDS
        self._keys: dict[int, str] = {}  # id(link) -> engine folder

    # -- life cycle ----------------------------------------------------------------------

    async def start(self, engine: str | None, debounce: float) -> bool:
        """Find the engines (the configured one alone when given) and boot the newest; False when none."""
        from pob_ls.engine.provisioning import (
            ENGINE_ENV,
            INSTALL_HINT,
            EngineError,
            available_engines,
            find_engine,
        )

        await self.stop()
        self._debounce = debounce
        self._set("booting", "looking for PoB engines")
        try:
            if engine or os.environ.get(ENGINE_ENV):
                self.fixed = await asyncio.to_thread(find_engine, engine)
                self.engines = [self.fixed]
            else:
                self.engines = await asyncio.to_thread(available_engines)
                if not self.engines:
                    await asyncio.to_thread(find_engine)  # raises, saying where it looked
        except EngineError as exc:
            hint = "" if INSTALL_HINT in str(exc) else f"; {INSTALL_HINT}"
            self._set("error", f"PoB engine not available: {exc}{hint}")
            return False
        self._set("ready", self.summary())
        newest = self.engines[0]
        link = self._link(newest)
        task = self._ensure_boot(link, newest)
        ok = await task if task is not None else link.service is not None
        if not ok:
            self._set("error", link.message)
        return ok

    async def stop(self) -> None:
        boots, self._boots = list(self._boots.values()), {}
        for task in boots:
            task.cancel()
        await asyncio.gather(*boots, return_exceptions=True)  # each stops its half-booted service
        idle, self._idle = list(self._idle.values()), {}
        for waiting in idle:
            waiting.cancel()
        links, self.links = list(self.links.values()), {}
        self._keys.clear()
        for link in links:
            await link.stop()
        self.routes.clear()
        self._pending.clear()
        self.engines, self.fixed = [], None
        self.state = "stopped"

    def summary(self) -> str:
        """One line naming every engine, its trees and whether it is the configured one."""
        if self.fixed is not None:
            fixed = self.fixed
            return f"{engine_label(fixed)} (configured) computes every build, trees {fixed.tree_range}"
        listed = ", ".join(f"{engine_label(e)} trees {e.tree_range}" for e in self.engines)
        return f"engines: {listed}; each build goes to the newest that knows its tree"

    # -- documents -------------------------------------------------------------------------

    def update(self, uri: str, version: int, doc: PobDocument) -> bool:
        """Route a version to its engine (booting it if needed); True when the build's route changed."""
        route = self._route(tree_versions(doc))
        old = self.routes.get(uri)
        self.routes[uri] = route
        changed = old is None or old.link is not route.link or old.problem != route.problem
        if old is not None and old.link is not None and old.link is not route.link:
            self._forget(old.link, uri)
        if route.link is None:
            return changed
        link = route.link
        if link.service is not None:
            link.update(uri, version, doc.text)
        else:
            self._pending.setdefault(self._keys[id(link)], {})[uri] = (version, doc.text)
        return changed

    def close(self, uri: str) -> None:
        route = self.routes.pop(uri, None)
        if route is not None and route.link is not None:
            self._forget(route.link, uri)

    def set_debounce(self, seconds: float) -> None:
        self._debounce = seconds
        for link in self.links.values():
            link.set_debounce(seconds)

    # -- what features ask -------------------------------------------------------------------

    def service_for(self, uri: str) -> EngineService | None:
        route = self.routes.get(uri)
        return route.link.service if route is not None and route.link is not None else None

    def label_for(self, uri: str) -> str | None:
        route = self.routes.get(uri)
        return route.link.engine_label if route is not None and route.link is not None else None

    def problem_for(self, uri: str) -> str | None:
        """Why no engine fits this build (its trees are unknown to all), None when one does."""
        route = self.routes.get(uri)
        return route.problem if route is not None else None

    def unknown_trees_for(self, uri: str) -> list[str]:
        """The build's tree versions no engine lists (where its no-engine diagnostic goes)."""
        from pob_ls.engine.provisioning import unknown_trees

        route = self.routes.get(uri)
        return unknown_trees(self.engines, route.trees) if route is not None else []

    def missing_message_for(self, uri: str) -> str | None:
        """Why this build has no engine: none found, its engine failed to start, or none knows its tree."""
        if self.state == "error" and not self.links:
            return self.message
        route = self.routes.get(uri)
        if route is None:
            return None
        if route.problem is not None:
            return route.problem
        return route.link.missing_message if route.link is not None else None

    def builds(self) -> list[dict[str, str | None]]:
        """`[{uri, engine}]` for `pob/status`: the engine computing each open build (None: none fits)."""
        return [
            {"uri": uri, "engine": r.link.engine_label if r.link is not None else None}
            for uri, r in self.routes.items()
        ]

    # -- internals ---------------------------------------------------------------------------

    def _route(self, trees: list[str]) -> _Route:
        from pob_ls.engine.provisioning import choose_engine, no_engine_message

        if not self.engines:
            return _Route(None, None, tuple(trees))
        layout = self.fixed or choose_engine(self.engines, trees)
        if layout is None:
            return _Route(None, no_engine_message(self.engines, trees), tuple(trees))
        link = self._link(layout)
        waiting = self._idle.pop(self._keys[id(link)], None)
        if waiting is not None:
            waiting.cancel()
        self._ensure_boot(link, layout)
        return _Route(link, None, tuple(trees))

    def _ensure_boot(self, link: EngineLink, layout: EngineLayout) -> asyncio.Task[bool] | None:
        """The task booting `link` (started now if needed); None when it runs already or failed to."""
        key = self._keys[id(link)]
        if key in self._boots:
            return self._boots[key]
        if link.service is not None or link.state == "error":
            return None
        task = self._boots[key] = asyncio.get_running_loop().create_task(self._boot(link, layout))
        return task

    def _link(self, layout: EngineLayout) -> EngineLink:
        key = str(layout.root)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = EngineLink(
                lambda state, message: self._link_state(key, state, message),
                lambda uri, version, payload: self._link_result(key, uri, version, payload),
            )
            link.engine_label = engine_label(layout)
            self._keys[id(link)] = key
        return link

    async def _boot(self, link: EngineLink, layout: EngineLayout) -> bool:
        key = self._keys[id(link)]
        try:
            ok = await link.boot(layout, self._debounce)
        finally:
            self._boots.pop(key, None)
        pending = self._pending.pop(key, {})
        if ok:
            for uri, (version, text) in pending.items():
                route = self.routes.get(uri)
                if route is not None and route.link is link:
                    link.update(uri, version, text)
        return ok

    def _forget(self, link: EngineLink, uri: str) -> None:
        key = self._keys.get(id(link))
        if key is None:
            return  # already stopped
        self._pending.get(key, {}).pop(uri, None)
        link.close(uri)
        newest = self.engines[0].root if self.engines else None
        in_use = any(r.link is link for r in self.routes.values())
        if not in_use and str(newest) != key and key not in self._idle:
            self._idle[key] = asyncio.get_running_loop().create_task(self._stop_when_idle(key))

    async def _stop_when_idle(self, key: str) -> None:
        """Stop an engine no open build uses (its workers cost hundreds of MB); it boots again on demand."""
        await asyncio.sleep(self.idle_seconds)
        while key in self._boots:
            await asyncio.sleep(1.0)
        link = self.links.get(key)
        if self._idle.get(key) is not asyncio.current_task() or link is None:
            return
        del self._idle[key]
        if any(r.link is link for r in self.routes.values()):
            return
        del self.links[key]
        self._keys.pop(id(link), None)
        self._pending.pop(key, None)
        log.info("stopping %s: no open build uses it", link.engine_label)
        await link.stop()

    def _link_state(self, key: str, state: str, message: str) -> None:
        link = self.links.get(key)
        with contextlib.suppress(Exception):
            self._on_state(state, message, link.engine_label if link is not None else None)

    def _link_result(self, key: str, uri: str, version: int, payload: Any) -> None:
        route = self.routes.get(uri)
        if route is None or route.link is None or self._keys.get(id(route.link)) != key:
            return  # the build moved to another engine since: this one's answer no longer counts
        self._on_result(uri, version, payload)

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        with contextlib.suppress(Exception):
            self._on_state(state, message, None)
