"""Finding and installing PoB: recognise an engine folder, verify it against the pins, install it.

What the layers above may use is named here; the modules behind it are free to change.
"""

from pob_ls.engine.provisioning.discovery import (
    ENGINE_ENV,
    INSTALL_HINT,
    find_engine,
    list_engines,
    remove_engine,
)
from pob_ls.engine.provisioning.install import install_engine, read_install_record
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

__all__ = [
    "ENGINE_ENV",
    "INSTALL_HINT",
    "EngineError",
    "EngineFiles",
    "EngineInstallError",
    "EngineLayout",
    "EngineNotFoundError",
    "detect_layout",
    "engine_cache_dir",
    "engines_dir",
    "find_engine",
    "install_engine",
    "list_engines",
    "load_pins",
    "read_install_record",
    "remove_engine",
]
