"""Finding and installing PoB: recognise an engine folder, verify it against the pins, install it.

What the layers above may use is named here; the modules behind it are free to change.
"""

from pob_ls.engine.provisioning.choice import (
    FIX_COMMAND,
    choose_engine,
    dedupe,
    no_engine_message,
    unknown_trees,
)
from pob_ls.engine.provisioning.discovery import (
    ENGINE_ENV,
    INSTALL_HINT,
    available_engines,
    find_engine,
    list_engines,
    remove_engine,
    system_engines,
)
from pob_ls.engine.provisioning.install import install_engine, is_verified, read_install_record
from pob_ls.engine.provisioning.layout import (
    EngineError,
    EngineFiles,
    EngineInstallError,
    EngineLayout,
    EngineNotFoundError,
    detect_layout,
)
from pob_ls.engine.provisioning.manifest import load_pins
from pob_ls.engine.provisioning.paths import engine_cache_dir, engines_dir
from pob_ls.engine.provisioning.releases import RELEASES_URL_ENV
from pob_ls.engine.provisioning.updates import install_latest

__all__ = [
    "ENGINE_ENV",
    "FIX_COMMAND",
    "INSTALL_HINT",
    "RELEASES_URL_ENV",
    "EngineError",
    "EngineFiles",
    "EngineInstallError",
    "EngineLayout",
    "EngineNotFoundError",
    "available_engines",
    "choose_engine",
    "dedupe",
    "detect_layout",
    "engine_cache_dir",
    "engines_dir",
    "find_engine",
    "install_engine",
    "install_latest",
    "is_verified",
    "list_engines",
    "load_pins",
    "no_engine_message",
    "read_install_record",
    "remove_engine",
    "system_engines",
    "unknown_trees",
]
