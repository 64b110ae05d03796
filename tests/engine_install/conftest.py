"""Small fake PoB engines and isolated data/cache dirs, so no test touches the real user folders."""

from __future__ import annotations

import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, when pob-ls isn't installed

from pob_ls.engine.provisioning.manifest import PinSet, build_manifest, load_pins, write_manifest

MakeEngine = Callable[..., Path]
MakePins = Callable[..., PinSet]

HIDDEN_ENV = (
    "POB_LS_ENGINE",
    "POB_LS_ENGINE_SOURCE",
    "POB_LS_RELEASES_URL",
    "APPDATA",
    "PROGRAMDATA",
    "ProgramFiles",
    "ProgramFiles(x86)",
    "LOCALAPPDATA",
    "WINEPREFIX",
)
GAME_VERSIONS = 'treeVersionList = { "3_1", "3_2" }\nlatestTreeVersion = treeVersionList[#treeVersionList]\n'


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point data and cache dirs into tmp and hide every variable discovery or install would read."""
    monkeypatch.setenv("POB_LS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POB_LS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in HIDDEN_ENV:
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "data" / "engines"


def _engine_files(version: str) -> dict[str, str]:
    """Checkout-shaped relative path -> content of a tiny engine."""
    return {
        "manifest.xml": f'<PoBVersion>\n\t<Version number="{version}" />\n</PoBVersion>\n',
        "src/Launch.lua": "-- launch\n",
        "src/GameVersions.lua": GAME_VERSIONS,
        "src/Modules/Calcs.lua": "return {}\n",
        "src/TreeData/3_1/tree.lua": "return { nodes = {} }\n",
        "src/TreeData/3_2/skills-3.jpg": "not really a jpg\n",
        "runtime/lua/xml.lua": "return {}\n",
    }


def _installed_path(rel: str) -> str:
    """Where an installed PoB keeps a checkout-shaped file."""
    if rel.startswith("src/"):
        return rel.removeprefix("src/")
    if rel.startswith("runtime/lua/"):
        return "lua/" + rel.removeprefix("runtime/lua/")
    return rel


@pytest.fixture
def make_engine(tmp_path: Path) -> MakeEngine:
    """Build a fake engine folder; `installed=True` gives the installed-PoB shape (Launch.lua at top)."""

    def make(
        name: str = "engine", version: str = "9.1.0", *, installed: bool = False, top: str | None = None
    ) -> Path:
        root = tmp_path / "sources" / name
        base = root / top if top else root
        for rel, content in _engine_files(version).items():
            target = base / (_installed_path(rel) if installed else rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        if installed:  # user state and native runtime an installed PoB keeps beside the engine
            (base / "Builds").mkdir()
            (base / "Builds" / "mine.xml").write_text("<PathOfBuilding/>")
            (base / "Settings.xml").write_text("<PathOfBuilding/>")
            (base / "Path of Building.exe").write_bytes(b"MZ")
        else:  # parts of an upstream checkout the engine does not need
            (base / "spec").mkdir()
            (base / "spec" / "test.lua").write_text("-- spec\n")
            (base / "runtime" / "SimpleGraphic.dll").write_bytes(b"MZ")
        return root

    return make


@pytest.fixture
def make_pins(tmp_path: Path) -> MakePins:
    """Pin a fake engine: manifest from a pristine checkout-shaped copy, archive URL as given."""

    def make(version: str = "9.1.0", archive_url: str = "http://127.0.0.1:9/none.tar.gz") -> PinSet:
        pristine = tmp_path / "pristine" / version
        for rel, content in _engine_files(version).items():
            (pristine / rel).parent.mkdir(parents=True, exist_ok=True)
            (pristine / rel).write_text(content)
        pins_root = tmp_path / "pins"
        pins_root.mkdir(exist_ok=True)
        write_manifest(build_manifest(pristine), pins_root / f"pob-{version}.sha256")
        (pins_root / "engines.toml").write_text(
            f'default = "{version}"\n\n[engines."{version}"]\n'
            f'repo = "https://example.invalid/pob"\ntag = "v{version}"\ncommit = "{"0" * 40}"\n'
            f'archive_url = "{archive_url}"\nmanifest = "pob-{version}.sha256"\n'
        )
        return load_pins(pins_root / "engines.toml")

    return make


def make_tar(source: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(source.rglob("*")):
            tar.add(path, arcname=path.relative_to(source).as_posix(), recursive=False)
    return archive


def make_zip(source: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(source.rglob("*")):
            zf.write(path, path.relative_to(source).as_posix())
    return archive


@pytest.fixture
def archive_makers() -> tuple[Callable[[Path, Path], Path], Callable[[Path, Path], Path]]:
    return make_tar, make_zip
