"""Shared fixtures: the PoB engine (skip when absent), the real builds in ../shared/builds.

The run ends with one line saying whether the engine was found and how many tests skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_BUILDS = REPO.parent / "shared" / "builds"

_engine_state: dict[str, object] = {}


def _find_engine(explicit: str | None = None):  # type: ignore[no-untyped-def]
    from pob_ls.engine.provisioning.discovery import find_engine
    from pob_ls.engine.provisioning.layout import EngineError

    try:
        return find_engine(explicit)
    except EngineError:
        return None


def engine_or_skip(version: str | None = None):  # type: ignore[no-untyped-def]
    """The default engine (or an installed `version`), or skip the test."""
    layout = _find_engine(version)
    if layout is None or (version is not None and layout.version != version):
        pytest.skip(f"PoB engine {version or ''} not found (run `pob-ls engine install`)".replace("  ", " "))
    return layout


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    return engine_or_skip()


@pytest.fixture(scope="session")
def shared_builds() -> Path:
    if not SHARED_BUILDS.is_dir():
        pytest.skip("../shared/builds is absent")
    return SHARED_BUILDS


def fingerprint(root: Path) -> dict[str, str]:
    """Content hash of every file under an engine folder."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session", autouse=True)
def engine_fingerprint_at_start() -> Iterator[tuple[Path, dict[str, str]] | None]:
    layout = _find_engine()
    yield (layout.root, fingerprint(layout.root)) if layout else None


def pytest_sessionstart(session: pytest.Session) -> None:
    layout = _find_engine()
    _engine_state["layout"] = layout


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    layout = _engine_state.get("layout")
    skipped = len(terminalreporter.stats.get("skipped", []))
    if layout is not None:
        where = f"PoB {layout.version} at {layout.root}"  # type: ignore[attr-defined]
        terminalreporter.write_line(f"pob-ls engine: FOUND {where}; {skipped} tests skipped")
    else:
        terminalreporter.write_line(f"pob-ls engine: NOT FOUND; {skipped} tests skipped")
