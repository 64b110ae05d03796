"""Find the PoB engine to run: an explicit choice, `$POB_LS_ENGINE`, our installs, then a PoB on the machine.

An explicit choice that is broken is an error rather than a reason to fall back silently: the user asked
for that engine. An existing PoB install is only ever read, never written (its cache goes elsewhere).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pob_ls.engine.provisioning.install import remove_tree
from pob_ls.engine.provisioning.layout import EngineLayout, EngineNotFoundError, detect_layout, version_key
from pob_ls.engine.provisioning.paths import engines_dir

ENGINE_ENV = "POB_LS_ENGINE"
POB_FOLDER = "Path of Building Community"
INSTALL_HINT = (
    "install one with `pob-ls engine install` (downloads the pinned PoB), "
    "`pob-ls engine install --from PATH_OR_ARCHIVE` (offline), "
    "or point --engine / POB_LS_ENGINE at a PoB folder"
)


def list_engines() -> list[EngineLayout]:
    """Engines installed by pob-ls, newest version first; half-written or broken folders are skipped."""
    root = engines_dir()
    if not root.is_dir():
        return []
    found: list[EngineLayout] = []
    for entry in root.iterdir():
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            found.append(detect_layout(entry, source="installed"))
        except EngineNotFoundError:
            continue
    return sorted(found, key=lambda e: version_key(e.version), reverse=True)


def remove_engine(version: str) -> Path:
    """Delete an installed engine; returns the folder removed."""
    root = engines_dir()
    target = root / version
    if version in ("", ".", "..") or target.parent != root or not target.is_dir():
        installed = ", ".join(e.version for e in list_engines()) or "none"
        raise EngineNotFoundError(f"no installed engine {version!r} in {root} (installed: {installed})")
    remove_tree(target)
    return target


def system_engine_candidates() -> list[Path]:
    """Usual places of a PoB installed by its own installer (read-only use)."""
    home = Path.home()
    candidates: list[Path] = []
    for var in ("APPDATA", "PROGRAMDATA"):
        value = os.environ.get(var)
        if value:
            candidates.append(Path(value) / POB_FOLDER)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        if local:
            candidates.append(Path(local) / "Programs" / POB_FOLDER)
    else:
        candidates.extend(sorted((home / ".local" / "share").glob("PathOfBuilding*")))
        wine_c = Path(os.environ.get("WINEPREFIX") or home / ".wine") / "drive_c"
        candidates.extend(sorted(wine_c.glob(f"users/*/AppData/Roaming/{POB_FOLDER}")))
        candidates.extend(sorted(wine_c.glob(f"users/*/Application Data/{POB_FOLDER}")))
        candidates.append(wine_c / "ProgramData" / POB_FOLDER)
    return candidates


def find_engine(
    explicit: str | Path | None = None, *, system_paths: Iterable[Path] | None = None
) -> EngineLayout:
    """The engine to use. `explicit` is a folder or an installed version ("2.55.5")."""
    if explicit:
        return _explicit_engine(explicit)
    env_value = os.environ.get(ENGINE_ENV)
    if env_value:
        try:
            return detect_layout(env_value, source="env")
        except EngineNotFoundError as exc:
            raise EngineNotFoundError(f"{ENGINE_ENV}={env_value}: {exc}") from exc
    installed = list_engines()
    if installed:
        return installed[0]
    looked = [str(engines_dir())]
    for candidate in system_engine_candidates() if system_paths is None else system_paths:
        looked.append(str(candidate))
        try:
            return detect_layout(candidate, source="system")
        except EngineNotFoundError:
            continue
    raise EngineNotFoundError(
        f"no PoB engine found ({ENGINE_ENV} unset; looked in {'; '.join(looked)}); {INSTALL_HINT}"
    )


def _explicit_engine(explicit: str | Path) -> EngineLayout:
    path = Path(explicit).expanduser()
    if not path.exists():
        for engine in list_engines():
            if engine.version == str(explicit):
                return replace(engine, source="option")
    try:
        return detect_layout(path, source="option")
    except EngineNotFoundError as exc:
        raise EngineNotFoundError(f"{exc}; {INSTALL_HINT}") from exc
