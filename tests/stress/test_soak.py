"""A short soak through the real server (the long one is `benchmarks/stress_soak.py`)."""

from __future__ import annotations

import pytest

from tests.conftest import engine_or_skip
from tests.stress.soak import soak

pytestmark = [pytest.mark.engine, pytest.mark.asyncio(loop_scope="function")]


async def test_short_soak_keeps_order_and_answers_every_last_version() -> None:
    engine_or_skip()
    report = await soak(builds=4, edits=60, minutes=0.75)
    print("\n".join(report.lines()))
    assert report.server_alive and report.tracebacks == 0
    assert report.order_violations == []
    assert report.unanswered == []
    assert report.edits > 0 and report.latencies
