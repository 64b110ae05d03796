"""Recognise a PoB engine folder, whichever of PoB's two shapes it has.

A checkout or release archive keeps the Lua program in `src/` and pure-Lua libraries in `runtime/lua/`;
an installed PoB (Windows) keeps `Launch.lua` at its top with the libraries in `lua/` beside it.
The host only needs to know where `Launch.lua` lives and which folders go on Lua's search path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

UNKNOWN_VERSION = "unknown"
CHECKOUT = "checkout"
INSTALLED = "installed"

_VERSION_RE = re.compile(r"<Version\b[^>]*\bnumber\s*=\s*[\"']([^\"']+)[\"']")
_TREE_LIST_RE = re.compile(r"treeVersionList\s*=\s*\{([^}]*)\}", re.S)
_QUOTED_RE = re.compile(r"[\"']([^\"']+)[\"']")
_TREE_DIR_RE = re.compile(r"^\d+_\d+")


class EngineError(Exception):
    """Base of every engine problem the CLI turns into a one-line error."""


class EngineNotFoundError(EngineError):
    """No usable PoB engine where we looked."""


class EngineInstallError(EngineError):
    """The engine could not be installed; nothing was changed."""


@dataclass(frozen=True)
class EngineFiles:
    """The parts of an engine folder a host needs: what crosses into worker processes."""

    root: Path
    script_dir: Path
    lua_lib_dirs: Sequence[Path]
    version: str


@dataclass(frozen=True)
class EngineLayout:
    """Where the pieces of one PoB engine are, so the host can start it without guessing."""

    root: Path
    script_dir: Path
    lua_lib_dirs: list[Path]
    version: str
    missing_tree_versions: list[str] = field(default_factory=list)
    source: str = "option"
    kind: str = CHECKOUT
    tree_versions: list[str] = field(default_factory=list)

    @property
    def known_tree_versions(self) -> list[str]:
        """Tree versions this engine can load a build on: listed by PoB and with their data present."""
        missing = set(self.missing_tree_versions)
        return [v for v in self.tree_versions if v not in missing]

    @property
    def tree_range(self) -> str:
        """The oldest and newest tree this engine can load, e.g. "2_6-3_28" ("none" when it cannot tell)."""
        return tree_range(self.known_tree_versions)

    @property
    def launch_script(self) -> Path:
        return self.script_dir / "Launch.lua"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.xml"


def read_version(manifest_xml: Path) -> str:
    """The `<Version number>` of a PoB manifest.xml, or "unknown" when absent or unreadable."""
    try:
        text = manifest_xml.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return UNKNOWN_VERSION
    match = _VERSION_RE.search(text)
    return match.group(1).strip() if match else UNKNOWN_VERSION


def version_key(version: str) -> tuple[int, ...]:
    """Sort key comparing versions numerically ("2.63.0" > "2.9.1"); non-numeric versions sort first."""
    parts = re.findall(r"\d+", version)
    return tuple(int(p) for p in parts) if parts else (-1,)


def listed_tree_versions(script_dir: Path) -> list[str]:
    """Tree versions PoB expects: `treeVersionList` from GameVersions.lua, else the TreeData folders."""
    try:
        text = (script_dir / "GameVersions.lua").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    match = _TREE_LIST_RE.search(text)
    if match:
        return _QUOTED_RE.findall(match.group(1))
    tree_root = script_dir / "TreeData"
    if not tree_root.is_dir():
        return []
    return sorted(p.name for p in tree_root.iterdir() if p.is_dir() and _TREE_DIR_RE.match(p.name))


def tree_key(version: str) -> tuple[int, ...]:
    """Sort key of a tree version ("3_28_ruthless" sorts with 3_28); unnumbered versions sort first."""
    match = _TREE_DIR_RE.match(version)
    return tuple(int(p) for p in match.group(0).split("_")) if match else (-1,)


def tree_range(versions: Sequence[str]) -> str:
    """ "oldest-newest" of the numbered tree versions in `versions`, by number, or "none"."""
    numbered = sorted((v for v in versions if _TREE_DIR_RE.match(v)), key=lambda v: (tree_key(v), len(v)))
    if not numbered:
        return "none"
    oldest, newest = numbered[0], max(numbered, key=lambda v: (tree_key(v), -len(v)))
    return oldest if oldest == newest else f"{oldest}-{newest}"


def tree_data_absent(script_dir: Path, version: str) -> bool:
    """PoB knows `version` (its TreeData folder exists) but neither tree.lua nor data.json is there."""
    folder = script_dir / "TreeData" / version
    return folder.is_dir() and not _has_tree_data(folder)


def missing_tree_versions(script_dir: Path) -> list[str]:
    """Tree versions whose data (tree.lua or data.json) is absent: builds on them cannot load."""
    return [v for v in listed_tree_versions(script_dir) if not _has_tree_data(script_dir / "TreeData" / v)]


def _has_tree_data(folder: Path) -> bool:
    return (folder / "tree.lua").is_file() or (folder / "data.json").is_file()


def _checkout_layout(root: Path, source: str) -> EngineLayout:
    return _layout(root, root / "src", [root / "runtime" / "lua"], source, CHECKOUT)


def _installed_layout(root: Path, source: str) -> EngineLayout:
    return _layout(root, root, [root / "lua", root / "runtime" / "lua"], source, INSTALLED)


def _layout(root: Path, script_dir: Path, lib_dirs: list[Path], source: str, kind: str) -> EngineLayout:
    return EngineLayout(
        root=root,
        script_dir=script_dir,
        lua_lib_dirs=[d for d in lib_dirs if d.is_dir()],
        version=read_version(root / "manifest.xml"),
        missing_tree_versions=missing_tree_versions(script_dir),
        source=source,
        kind=kind,
        tree_versions=listed_tree_versions(script_dir),
    )


def detect_layout(path: str | Path, source: str = "option") -> EngineLayout:
    """Describe the engine at `path` (a checkout, an extracted archive or an installed PoB).

    An extracted upstream archive has a single top folder (`PathOfBuilding-2.63.0/`); it is looked into.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise EngineNotFoundError(f"no PoB engine at {root}: the folder does not exist")
    root = root.resolve()
    if (root / "src" / "Launch.lua").is_file():
        return _checkout_layout(root, source)
    if (root / "Launch.lua").is_file():
        return _installed_layout(root, source)
    children = [p for p in root.iterdir() if not p.name.startswith(".")]
    if len(children) == 1 and children[0].is_dir():
        inner = children[0]
        if (inner / "src" / "Launch.lua").is_file() or (inner / "Launch.lua").is_file():
            return detect_layout(inner, source)
    raise EngineNotFoundError(
        f"no PoB engine at {root}: missing src/Launch.lua (a PoB checkout or release archive) "
        "and Launch.lua (an installed PoB)"
    )
