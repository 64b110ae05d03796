"""PoB in worker processes behind an asyncio API: the wire protocol, the workers and their zygote,
deadlines and restarts. The server uses only what is named here; it never imports lupa.
"""

from pob_ls.engine.service.errors import (
    TRANSIENT_KINDS,
    EngineRequestError,
    LaunchRecord,
    ResultCallback,
    StatusCallback,
    StatusEvent,
)
from pob_ls.engine.service.protocol import WorkerStats
from pob_ls.engine.service.service import EngineService

__all__ = [
    "TRANSIENT_KINDS",
    "EngineRequestError",
    "EngineService",
    "LaunchRecord",
    "ResultCallback",
    "StatusCallback",
    "StatusEvent",
    "WorkerStats",
]
