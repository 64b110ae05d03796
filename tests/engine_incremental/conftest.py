"""One PoB host per test module, and helpers to compare an incremental result with a full reload."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pob_ls.engine.host.host import EngineFiles, PobHost
from pob_ls.engine.host.results import BuildResult

BUILDS = Path(__file__).resolve().parents[2].parent / "shared" / "builds"
BUILD_FILES = (
    "065-dominating-blow-of-inspiring-guardian-3-28.xml",
    "067-exsanguinate-trickster-3-28.xml",
    "070-kinetic-fusillade-hierophant-3-28.xml",
    "073-kinetic-fusillade-hierophant-3-28.xml",
    "076-blade-vortex-chieftain-3-28.xml",
)
FALLBACK_ENGINE = Path("/tmp/pob/2.63.0")


def _engine_files() -> Any:
    try:
        from pob_ls.engine.provisioning.discovery import find_engine

        return find_engine()
    except Exception:
        if (FALLBACK_ENGINE / "src" / "Launch.lua").is_file():
            return EngineFiles(
                FALLBACK_ENGINE, FALLBACK_ENGINE / "src", [FALLBACK_ENGINE / "runtime/lua"], "2.63.0"
            )
        return None


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PobHost]:
    files = _engine_files()
    if files is None:
        pytest.skip("no PoB engine (run `pob-ls engine install`)")
    yield PobHost(files, cache_dir=tmp_path_factory.mktemp("pobcache") / files.version)


def build_text(name: str) -> str:
    path = BUILDS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path.read_text(encoding="utf-8")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def differences(inc: BuildResult, ref: BuildResult) -> list[str]:
    """Every key where the incremental result differs from the reference reload."""
    out: list[str] = []
    for label, a, b in (
        ("output", inc.output, ref.output),
        ("minion", inc.minion_output or {}, ref.minion_output or {}),
    ):
        for key in sorted(set(a) | set(b)):
            if not _same(a.get(key), b.get(key)):
                out.append(f"{label}.{key}: {a.get(key)!r} != {b.get(key)!r}")
    for label, x, y in (
        ("player_stats", inc.player_stats, ref.player_stats),
        ("minion_stats", inc.minion_stats, ref.minion_stats),
        ("warnings", inc.warnings, ref.warnings),
        ("sidebar", inc.sidebar, ref.sidebar),
        ("level", inc.level, ref.level),
        ("main_socket_group", inc.main_socket_group, ref.main_socket_group),
        ("main_skill", inc.main_skill, ref.main_skill),
    ):
        if any(not _same(p, q) for p, q in zip_pairs(x, y)):
            out.append(f"{label}: {x!r} != {y!r}"[:300])
    return out


def zip_pairs(x: Any, y: Any) -> list[tuple[Any, Any]]:
    if isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            return [(x, y)]
        pairs: list[tuple[Any, Any]] = []
        for p, q in zip(x, y, strict=True):
            pairs.extend(
                zip_pairs(list(p), list(q)) if isinstance(p, tuple) and isinstance(q, tuple) else [(p, q)]
            )
        return pairs
    return [(x, y)]
