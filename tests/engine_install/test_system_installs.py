"""A PoB the user installed themselves, of any version, where Windows, Wine, Flatpak and macOS put it.

Each fake install is a tree of symbolic links onto the installed PoB 2.63.0 (so it has real tree data) in
the shape that platform uses, with its own manifest.xml naming another version. HOME, APPDATA and
WINEPREFIX point into tmp (conftest.py hides the real ones).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pob_ls.cli.engine import add_engine_subcommands
from pob_ls.engine.provisioning.choice import choose_engine
from pob_ls.engine.provisioning.discovery import (
    FLATPAK_ID,
    POB_FOLDER,
    available_engines,
    find_engine,
    system_engines,
)
from pob_ls.engine.provisioning.paths import engines_dir

REAL = engines_dir() / "2.63.0"  # resolved at import, before conftest points the data dir into tmp
INSTALLED_2_55 = engines_dir() / "2.55.5"

pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def real_engine() -> Path:
    if not (REAL / "src" / "Launch.lua").is_file():
        pytest.skip("PoB 2.63.0 is not installed")
    return REAL


def _manifest(folder: Path, version: str) -> None:
    (folder / "manifest.xml").write_text(f'<PoBVersion>\n\t<Version number="{version}" />\n</PoBVersion>\n')


def installed_shape(folder: Path, version: str) -> Path:
    """What PoB's Windows installer leaves: Launch.lua and the program at the top, libraries in lua/."""
    folder.mkdir(parents=True)
    for entry in (REAL / "src").iterdir():
        (folder / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (folder / "lua").symlink_to(REAL / "runtime" / "lua", target_is_directory=True)
    (folder / "Settings.xml").write_text("<PathOfBuilding/>")
    _manifest(folder, version)
    return folder


def checkout_shape(folder: Path, version: str) -> Path:
    """A checkout (what the Flatpak ships): src/ and runtime/ beside manifest.xml."""
    folder.mkdir(parents=True)
    (folder / "src").symlink_to(REAL / "src", target_is_directory=True)
    (folder / "runtime").symlink_to(REAL / "runtime", target_is_directory=True)
    _manifest(folder, version)
    return folder


def _found(version: str) -> tuple[str, str, str]:
    (engine,) = [e for e in system_engines() if e.version == version]
    return engine.source, engine.kind, engine.tree_range


def test_windows_appdata_and_program_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
    installed_shape(tmp_path / "Roaming" / POB_FOLDER, "2.40.1")
    installed_shape(tmp_path / "Program Files" / POB_FOLDER, "2.51.0")
    assert _found("2.40.1") == ("system", "installed", "2_6-3_28")
    assert _found("2.51.0") == ("system", "installed", "2_6-3_28")
    assert [e.version for e in system_engines()] == ["2.51.0", "2.40.1"]  # newest first


@pytest.mark.parametrize(
    "place",
    [
        "users/me/AppData/Roaming",
        "users/me/Application Data",
        "users/me/AppData/Local/Programs",
        "ProgramData",
        "Program Files (x86)",
    ],
)
def test_wine_prefix_from_the_variable(place: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WINEPREFIX", str(tmp_path / "games" / "poe-prefix"))
    installed_shape(tmp_path / "games" / "poe-prefix" / "drive_c" / place / POB_FOLDER, "2.58.0")
    assert _found("2.58.0") == ("system", "installed", "2_6-3_28")


def test_default_wine_prefix_and_winetricks_prefixes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    installed_shape(
        home / ".wine" / "drive_c" / "users" / "me" / "AppData" / "Roaming" / POB_FOLDER, "2.20.0"
    )
    prefix = home / ".local" / "share" / "wineprefixes" / "poe" / "drive_c"
    installed_shape(prefix / "Program Files" / POB_FOLDER, "2.21.0")
    assert _found("2.20.0")[0] == "system" and _found("2.21.0")[0] == "system"


def test_flatpak_user_install_and_its_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = home / ".local" / "share" / "flatpak" / "app" / FLATPAK_ID / "current" / "active" / "files"
    checkout_shape(app / "pathofbuilding", "2.62.0")
    installed_shape(home / ".var" / "app" / FLATPAK_ID / "data" / "PathOfBuilding", "2.61.0")
    assert _found("2.62.0") == ("system", "checkout", "2_6-3_28")
    assert _found("2.61.0") == ("system", "installed", "2_6-3_28")


def test_macos_application_support(tmp_path: Path) -> None:
    home = tmp_path / "home"
    installed_shape(home / "Library" / "Application Support" / POB_FOLDER, "2.60.0")
    bottle = home / "Library" / "Application Support" / "CrossOver" / "Bottles" / "PoE" / "drive_c"
    installed_shape(bottle / "users" / "crossover" / "AppData" / "Roaming" / POB_FOLDER, "2.59.0")
    assert _found("2.60.0")[0] == "system" and _found("2.59.0")[0] == "system"


def test_a_system_pob_is_used_when_it_is_the_newest_that_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path
) -> None:
    """Installed: 2.55.5 (trees to 3_26). On the machine: a PoB labelled 2.40.1 with trees to 3_28."""
    if not (INSTALLED_2_55 / "src" / "Launch.lua").is_file():
        pytest.skip("PoB 2.55.5 is not installed")
    isolated_dirs.mkdir(parents=True)
    (isolated_dirs / "2.55.5").symlink_to(INSTALLED_2_55, target_is_directory=True)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    installed_shape(tmp_path / "Roaming" / POB_FOLDER, "2.40.1")

    engines = available_engines()
    assert [(e.version, e.source) for e in engines] == [("2.55.5", "installed"), ("2.40.1", "system")]
    for tree, expected in (("3_28", "2.40.1"), ("3_26", "2.55.5")):
        chosen = choose_engine(engines, [tree])
        assert chosen is not None and chosen.version == expected
    assert find_engine("2.40.1").source == "system"  # `pob.engine: "2.40.1"` names it too


def test_engine_list_shows_system_pobs_with_version_and_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    folder = installed_shape(tmp_path / "Roaming" / POB_FOLDER, "2.40.1")
    parser = argparse.ArgumentParser(prog="pob-ls")
    add_engine_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["engine", "list"])
    assert args.func(args) == 0
    (row,) = capsys.readouterr().out.splitlines()
    assert row.split("\t") == [
        "2.40.1",
        str(folder.resolve()),
        "trees 2_6-3_28; found on this machine, used read-only, not verified by pob-ls; newest",
    ]
