"""Analysis calls with a guard: a bug in one analysis function costs one answer, never the server.

An exception inside a pygls handler becomes an error reply the editor shows to the user on every
keystroke; here it becomes a log line and an empty answer instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pob_ls import analysis
from pob_ls.engine.messages import BuildResultJson

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")


def guarded(func: Callable[..., T], *args: Any, default: D, **kwargs: Any) -> T | D:
    """`func(*args, **kwargs)`, or `default` (logged) when it raises."""
    try:
        return func(*args, **kwargs)
    except Exception:
        log.exception("analysis %s failed", getattr(func, "__name__", func))
        return default


def document_findings(doc: Any) -> list[analysis.Finding]:
    try:
        return analysis.document_findings(doc)
    except Exception:
        log.exception("analysis document_findings failed")
        return [analysis.Finding(e.range, e.severity, e.code, e.message) for e in doc.errors]


def engine_findings(doc: Any, result: BuildResultJson, settings: dict[str, Any]) -> list[analysis.Finding]:
    return guarded(analysis.engine_findings, doc, result, settings=settings, default=[])


def engine_error_findings(doc: Any, message: str) -> list[analysis.Finding]:
    return guarded(analysis.engine_error_findings, doc, message, default=[])


def no_engine_findings(doc: Any, message: str, trees: list[str]) -> list[analysis.Finding]:
    return guarded(analysis.no_engine_findings, doc, message, trees, default=[])
