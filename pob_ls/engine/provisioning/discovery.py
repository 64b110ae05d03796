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

from pob_ls.engine.provisioning.choice import dedupe
from pob_ls.engine.provisioning.install import remove_tree
from pob_ls.engine.provisioning.layout import EngineLayout, EngineNotFoundError, detect_layout, version_key
from pob_ls.engine.provisioning.paths import engines_dir

ENGINE_ENV = "POB_LS_ENGINE"
POB_FOLDER = "Path of Building Community"
FLATPAK_ID = "community.pathofbuilding.PathOfBuilding"
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
    """Usual places of a PoB the user installed themselves, any version (read-only use), in this order:
    Windows (%APPDATA%, %ProgramData%, Program Files, %LOCALAPPDATA%\\Programs), Flatpak, Wine prefixes
    (`$WINEPREFIX`, ~/.wine, winetricks' prefixes), macOS (Application Support, CrossOver bottles), and
    ~/.local/share/PathOfBuilding*. Only folders that exist are matched by the globs."""
    home = Path.home()
    candidates: list[Path] = []
    for var in ("APPDATA", "PROGRAMDATA", "ProgramFiles", "ProgramFiles(x86)"):
        value = os.environ.get(var)
        if value:
            candidates.append(Path(value) / POB_FOLDER)
    local = os.environ.get("LOCALAPPDATA")
    if local:
        candidates.append(Path(local) / "Programs" / POB_FOLDER)
    if sys.platform == "win32":
        return candidates
    for flatpak_root in (home / ".local" / "share" / "flatpak", Path("/var/lib/flatpak")):
        files = flatpak_root / "app" / FLATPAK_ID / "current" / "active" / "files"
        candidates.extend(sorted(files.glob("pathofbuilding*")))
    candidates.extend(_engines_below(home / ".var" / "app" / FLATPAK_ID, depth=3))
    for prefix in wine_prefixes(home):
        candidates.extend(_windows_places(prefix / "drive_c"))
    mac_support = home / "Library" / "Application Support"
    if sys.platform == "darwin" or mac_support.is_dir():
        candidates.append(mac_support / POB_FOLDER)
        candidates.extend(sorted(mac_support.glob("PathOfBuilding*")))
    candidates.extend(sorted((home / ".local" / "share").glob("PathOfBuilding*")))
    return list(dict.fromkeys(candidates))


def wine_prefixes(home: Path) -> list[Path]:
    """`$WINEPREFIX`, ~/.wine, winetricks' ~/.local/share/wineprefixes/*, CrossOver's bottles (macOS)."""
    prefixes = [Path(os.environ["WINEPREFIX"])] if os.environ.get("WINEPREFIX") else []
    prefixes.append(home / ".wine")
    prefixes.extend(sorted((home / ".local" / "share" / "wineprefixes").glob("*")))
    prefixes.extend(sorted((home / "Library" / "Application Support" / "CrossOver" / "Bottles").glob("*")))
    return list(dict.fromkeys(prefixes))


def _windows_places(drive_c: Path) -> list[Path]:
    """Where PoB's Windows installer (per user or for everyone) and its portable zip usually end up."""
    places = [
        *sorted(drive_c.glob(f"users/*/AppData/Roaming/{POB_FOLDER}")),
        *sorted(drive_c.glob(f"users/*/Application Data/{POB_FOLDER}")),
        *sorted(drive_c.glob(f"users/*/AppData/Local/Programs/{POB_FOLDER}")),
    ]
    places.extend(
        drive_c / base / POB_FOLDER for base in ("ProgramData", "Program Files", "Program Files (x86)")
    )
    return places


def _engines_below(root: Path, depth: int) -> list[Path]:
    """Folders under `root` (at most `depth` levels) that hold a PoB: a checkout or an installed copy."""
    found: list[Path] = []
    level = [root] if root.is_dir() else []
    for _ in range(depth):
        below: list[Path] = []
        for folder in level:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            for child in children:
                if (child / "src" / "Launch.lua").is_file() or (child / "Launch.lua").is_file():
                    found.append(child)
                else:
                    below.append(child)
        level = below
    return found


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
    candidates = list(system_engine_candidates() if system_paths is None else system_paths)
    found = system_engines(candidates)
    if found:
        return found[0]  # the newest PoB on the machine
    looked = [str(engines_dir()), *map(str, candidates)]
    raise EngineNotFoundError(
        f"no PoB engine found ({ENGINE_ENV} unset; looked in {'; '.join(looked)}); {INSTALL_HINT}"
    )


def system_engines(system_paths: Iterable[Path] | None = None) -> list[EngineLayout]:
    """The PoBs found in the usual install places (read-only), newest first, each folder once."""
    found: list[EngineLayout] = []
    for candidate in system_engine_candidates() if system_paths is None else system_paths:
        try:
            found.append(detect_layout(candidate, source="system"))
        except (EngineNotFoundError, OSError):
            continue
    return dedupe(found)


def available_engines(system_paths: Iterable[Path] | None = None) -> list[EngineLayout]:
    """Every engine a build may be routed to: our installs and the PoBs found on the machine, newest first
    (an install wins over a system PoB of the same version).

    `$POB_LS_ENGINE` or an explicit choice are not here: they fix one engine for every build.
    """
    return dedupe([*list_engines(), *system_engines(system_paths)])


def _explicit_engine(explicit: str | Path) -> EngineLayout:
    path = Path(explicit).expanduser()
    if not path.exists():
        for engine in list_engines():
            if engine.version == str(explicit):
                return replace(engine, source="option")
        for engine in system_engines():
            if engine.version == str(explicit):
                return engine  # keeps source "system": it stays read-only, its cache elsewhere
    try:
        return detect_layout(path, source="option")
    except EngineNotFoundError as exc:
        raise EngineNotFoundError(f"{exc}; {INSTALL_HINT}") from exc
