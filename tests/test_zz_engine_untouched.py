"""Runs last: the engine folder is byte-identical to what it was when the suite started."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fingerprint


@pytest.mark.engine
def test_engine_folder_unchanged(engine_fingerprint_at_start: tuple[Path, dict[str, str]] | None) -> None:
    if engine_fingerprint_at_start is None:
        pytest.skip("no engine")
    root, before = engine_fingerprint_at_start
    after = fingerprint(root)
    assert after.keys() == before.keys(), sorted(set(after) ^ set(before))[:10]
    changed = [p for p in before if before[p] != after[p]]
    assert not changed, changed[:10]
