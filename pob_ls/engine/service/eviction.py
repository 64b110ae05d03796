"""A worker's memory policing: free least-recently-used build objects beyond the budget, and ask to be
replaced once the process's resident size passes its limit.

Eviction frees only the build object; the document's text stays, so it reloads on demand.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Protocol

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.service.protocol import Evicted, RecycleRequested, WorkerConfig


class Held(Protocol):
    """What eviction needs of a document a worker holds."""

    uri: str
    handle: int | None
    loaded_text: str | None
    last_used: float


def rss_bytes() -> int:
    """Current resident size (Linux /proc; elsewhere the peak, which is what is available)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


class MemoryPolice:
    """Applies the worker config's budgets (loaded documents, Lua heap, RSS) after every request."""

    def __init__(
        self, host: PobHost, config: WorkerConfig, send: Callable[[Evicted | RecycleRequested], None]
    ) -> None:
        self.host = host
        self.config = config
        self._send = send

    def _over_budget(self, loaded: int) -> bool:
        cfg = self.config
        if cfg.max_loaded_documents is not None and loaded > cfg.max_loaded_documents:
            return True
        return cfg.memory_budget is not None and self.host.memory_used() > cfg.memory_budget

    def police(self, docs: Iterable[Held], current_uri: str | None) -> None:
        """Free least-recently-used builds beyond the budget; ask for replacement past the RSS limit."""
        loaded = sorted((d for d in docs if d.handle is not None), key=lambda d: d.last_used)
        if self.config.memory_budget is not None and self._over_budget(len(loaded)):
            self.host.collect_garbage()
        candidates = [d for d in loaded if d.uri != current_uri]
        while candidates and self._over_budget(len(loaded)):
            victim = candidates.pop(0)
            loaded.remove(victim)
            assert victim.handle is not None
            self.host.free(victim.handle)
            victim.handle, victim.loaded_text = None, None
            self.host.collect_garbage()
            self._send(Evicted(victim.uri))
        if self.config.rss_limit is not None and rss_bytes() > self.config.rss_limit:
            self._send(RecycleRequested(f"resident size {rss_bytes() >> 20} MB is over the limit"))
