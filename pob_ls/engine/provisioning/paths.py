"""Where pob-ls keeps engines and their caches: always outside the repo and outside any engine folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP = "pob-ls"


def data_dir() -> Path:
    """Root of installed engines; `POB_LS_DATA_DIR` overrides it (tests, sandboxes)."""
    override = os.environ.get("POB_LS_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def engines_dir() -> Path:
    return data_dir() / "engines"


def cache_dir() -> Path:
    """Root of per-engine caches; `POB_LS_CACHE_DIR` overrides it."""
    override = os.environ.get("POB_LS_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP))


def engine_cache_dir(engine_root: Path, version: str) -> Path:
    """A cache folder owned by one engine folder: PoB's writes (Settings.xml, jewel .bin files) land here."""
    digest = hashlib.sha256(str(engine_root.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / "engine-cache" / f"{version}-{digest}"
