"""Where the real builds live (../shared/builds, next to the repository) and how to read them."""

from __future__ import annotations

from pathlib import Path

import pytest

BUILDS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "builds"
LARGEST_BUILD = "007-penance-brand-of-dissipation-inquisitor-3-26.xml"


def real_build_paths() -> list[Path]:
    return sorted(BUILDS_DIR.glob("*.xml")) if BUILDS_DIR.is_dir() else []


def read_build(name: str) -> str:
    path = BUILDS_DIR / name
    if not path.is_file():
        pytest.skip(f"real build {name} is absent")
    return path.read_text(encoding="utf-8")
