"""Document versions and publication: what the service knows of each open document, and the rules for
which outcome may be published.

A result is published only for the version it was computed from, and never one older than a version
already published. How a document stands with its worker is one named state (`Standing`), not a set of
flags:

    COLD ──(result published)──> WARM          a new worker: first-load deadline until computed once
    any ──(its request took the worker down)──> SUSPECT
    SUSPECT ──(worker replaced)──> SUSPECT     reloaded lazily (text sent, not loaded)
    SUSPECT ──(answered without a crash)──> COLD
    WARM ──(worker replaced)──> COLD
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pob_ls.engine.messages import BuildResultJson
from pob_ls.engine.service.errors import EngineRequestError

if TYPE_CHECKING:
    from pob_ls.engine.service.supervisor import Slot

NEVER = -(2**62)


class Standing(enum.Enum):
    """How a document stands with the worker holding it."""

    COLD = "cold"  # not yet computed by this worker: the first-load deadline applies
    WARM = "warm"  # computed once by this worker: later updates get the normal load deadline
    SUSPECT = "suspect"  # its last request took its worker down: reload it lazily


@dataclass(eq=False)
class Document:
    """One open document: its latest text, what has been published of it, and who waits for it."""

    uri: str
    version: int
    text: str
    slot: Slot
    published_version: int = NEVER
    outcome_version: int | None = None  # version whose outcome (result or build error) is known
    result: BuildResultJson | None = None
    error: EngineRequestError | None = None
    standing: Standing = Standing.COLD
    retried_version: int | None = None  # the version already re-sent once after its worker was lost
    timer: asyncio.TimerHandle | None = None
    flush_task: asyncio.Task[None] | None = None
    flush_version: int | None = None
    waiters: list[asyncio.Future[tuple[int, BuildResultJson]]] = field(default_factory=list)

    # -- standing -----------------------------------------------------------------------

    @property
    def warm(self) -> bool:
        return self.standing is Standing.WARM

    @property
    def suspect(self) -> bool:
        return self.standing is Standing.SUSPECT

    def took_worker_down(self) -> None:
        self.standing = Standing.SUSPECT

    def worker_replaced(self) -> None:
        if self.standing is Standing.WARM:
            self.standing = Standing.COLD

    def answered(self) -> None:
        if self.standing is Standing.SUSPECT:
            self.standing = Standing.COLD

    # -- versions -----------------------------------------------------------------------

    def edit(self, version: int, text: str) -> bool:
        """Take a newer version (or new text for the same one); False when there is nothing new."""
        if version < self.version or (version == self.version and text == self.text):
            return False
        if version == self.version:
            self.outcome_version = None
        self.version, self.text = version, text
        return True

    def needs(self, version: int) -> bool:
        """Whether `version` is the latest and its outcome is still unknown."""
        return self.version == version and self.outcome_version != version

    def known(self) -> bool:
        return self.outcome_version == self.version

    def accept_result(self, version: int, result: BuildResultJson) -> bool:
        """Record a computed result; False when it is stale (a newer version is on its way or published)."""
        if version != self.version or version <= self.published_version:
            return False
        self.published_version = self.outcome_version = version
        self.result, self.error = result, None
        self.standing = Standing.WARM
        return True

    def accept_error(self, version: int, exc: EngineRequestError) -> bool:
        """Record a failure for `version`; False when it is stale. Only a build error is an outcome."""
        if version != self.version or version <= self.published_version:
            return False
        if exc.kind == "build":
            self.outcome_version, self.error = version, exc
        return True

    def should_retry(self, version: int, exc: EngineRequestError) -> bool:
        """Once per version: a worker lost during it may have died for reasons of its own."""
        if exc.kind in ("crashed", "deadline") and self.retried_version != version:
            self.retried_version = version
            return True
        return False

    # -- waiters ------------------------------------------------------------------------

    def resolve_waiters(self, version: int, result: BuildResultJson) -> None:
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result((version, result))
        self.waiters.clear()

    def fail_waiters(self, exc: EngineRequestError) -> None:
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(exc)
        self.waiters.clear()
