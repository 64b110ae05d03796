"""What the service tells its callers: request errors and status events.

Kept apart so the documents, supervision and channel modules can raise and emit them without importing
the service facade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pob_ls.engine.messages import BuildResultJson, RequestErrorKind, StatusKind

#: Kinds of failure worth retrying later: the engine or its worker failed, not the build.
TRANSIENT_KINDS: frozenset[RequestErrorKind] = frozenset(
    {"deadline", "crashed", "out_of_memory", "boot", "engine"}
)


class EngineRequestError(Exception):
    """A request the engine could not answer. `kind` (`RequestErrorKind`): build (PoB rejected the
    text), deadline, crashed, out_of_memory, boot, engine, not_found, closed, refused, bad_request."""

    def __init__(
        self,
        kind: RequestErrorKind,
        message: str,
        *,
        uri: str | None = None,
        version: int | None = None,
        log_tail: str = "",
    ) -> None:
        text = message if not log_tail else f"{message}\n--- engine worker log (last lines) ---\n{log_tail}"
        super().__init__(text)
        self.kind = kind
        self.message = message
        self.uri = uri
        self.version = version
        self.log_tail = log_tail


@dataclass(frozen=True)
class StatusEvent:
    """What the service is doing: booting, loading, ready, error, worker_restarted."""

    kind: StatusKind
    message: str
    uri: str | None = None
    worker: int | None = None


@dataclass(frozen=True)
class LaunchRecord:
    """How long it took to get one worker ready (fork from the zygote, or a full spawn+boot)."""

    worker: int
    method: str
    pid: int
    seconds: float


StatusCallback = Callable[[StatusEvent], None]
ResultCallback = Callable[[str, int, "BuildResultJson | EngineRequestError"], None]
#: How the service's parts report status: (kind, message, uri, worker).
Emit = Callable[[StatusKind, str, "str | None", "int | None"], None]
