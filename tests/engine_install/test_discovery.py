"""Which engine pob-ls picks (option > env > installed newest > system), listing and removal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pob_ls.engine.provisioning.discovery import (
    find_engine,
    list_engines,
    remove_engine,
    system_engine_candidates,
)
from pob_ls.engine.provisioning.install import install_engine
from pob_ls.engine.provisioning.layout import EngineNotFoundError
from pob_ls.engine.provisioning.manifest import PinSet

MakeEngine = Callable[..., Path]
MakePins = Callable[..., PinSet]


@pytest.fixture
def installed(make_engine: MakeEngine, make_pins: MakePins) -> list[str]:
    """Three installed engines whose newest only sorts first numerically (9.10.0 > 9.2.0)."""
    versions = ["9.2.0", "9.10.0", "9.1.0"]
    for version in versions:
        install_engine(None, make_engine(f"src-{version}", version), pins=make_pins())
    return versions


def test_installed_newest_version_wins(installed: list[str]) -> None:
    engine = find_engine(system_paths=[])
    assert (engine.version, engine.source) == ("9.10.0", "installed")


def test_env_beats_installed(
    installed: list[str], make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POB_LS_ENGINE", str(make_engine("env-engine", "8.0.0")))
    engine = find_engine(system_paths=[])
    assert (engine.version, engine.source) == ("8.0.0", "env")


def test_option_beats_env(
    installed: list[str], make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POB_LS_ENGINE", str(make_engine("env-engine", "8.0.0")))
    engine = find_engine(make_engine("opt-engine", "7.0.0"), system_paths=[])
    assert (engine.version, engine.source) == ("7.0.0", "option")


def test_option_may_name_an_installed_version(installed: list[str]) -> None:
    engine = find_engine("9.2.0", system_paths=[])
    assert (engine.version, engine.source) == ("9.2.0", "option")


def test_system_install_is_the_last_resort(make_engine: MakeEngine) -> None:
    pob = make_engine("Path of Building Community", "6.0.0", installed=True)
    engine = find_engine(system_paths=[Path("/nonexistent/pob"), pob])
    assert (engine.version, engine.source, engine.kind) == ("6.0.0", "system", "installed")
    assert engine.script_dir == pob.resolve()
    assert engine.lua_lib_dirs == [pob.resolve() / "lua"]


def test_system_candidates_follow_appdata_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    (tmp_path / "home" / ".local" / "share" / "PathOfBuildingCommunity").mkdir(parents=True)
    candidates = system_engine_candidates()
    assert tmp_path / "roaming" / "Path of Building Community" in candidates
    assert tmp_path / "home" / ".local" / "share" / "PathOfBuildingCommunity" in candidates


def test_broken_option_is_an_error_not_a_fallback(installed: list[str], tmp_path: Path) -> None:
    (tmp_path / "not-pob").mkdir()
    with pytest.raises(EngineNotFoundError, match=r"not-pob: missing src/Launch\.lua"):
        find_engine(tmp_path / "not-pob", system_paths=[])


def test_broken_env_is_an_error_naming_the_variable(
    installed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POB_LS_ENGINE", str(tmp_path / "gone"))
    with pytest.raises(EngineNotFoundError, match="POB_LS_ENGINE="):
        find_engine(system_paths=[])


def test_nothing_found_says_where_it_looked_and_how_to_install(isolated_dirs: Path) -> None:
    with pytest.raises(EngineNotFoundError) as caught:
        find_engine(system_paths=[Path("/nonexistent/pob")])
    message = str(caught.value)
    assert str(isolated_dirs) in message and "/nonexistent/pob" in message
    assert "pob-ls engine install" in message and "--from PATH_OR_ARCHIVE" in message


def test_list_skips_staging_and_broken_folders(installed: list[str], isolated_dirs: Path) -> None:
    (isolated_dirs / ".9.3.0-staging" / "src").mkdir(parents=True)
    (isolated_dirs / ".9.3.0-staging" / "src" / "Launch.lua").write_text("--")
    (isolated_dirs / "junk").mkdir()
    assert [e.version for e in list_engines()] == ["9.10.0", "9.2.0", "9.1.0"]


def test_remove_deletes_a_read_only_install(installed: list[str], isolated_dirs: Path) -> None:
    removed = remove_engine("9.2.0")
    assert removed == isolated_dirs / "9.2.0" and not removed.exists()
    assert [e.version for e in list_engines()] == ["9.10.0", "9.1.0"]


@pytest.mark.parametrize("version", ["7.7.7", "..", "../data", ""])
def test_remove_refuses_unknown_versions(installed: list[str], version: str) -> None:
    with pytest.raises(EngineNotFoundError, match="no installed engine"):
        remove_engine(version)
