"""Installing from local folders: what gets copied, how it is verified, and what is recorded."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pob_ls.engine.provisioning.install import (
    RECORD_NAME,
    EngineInstallError,
    install_engine,
    read_install_record,
)
from pob_ls.engine.provisioning.manifest import PinSet

MakeEngine = Callable[..., Path]
MakePins = Callable[..., PinSet]


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_install_from_checkout_copies_only_the_engine(make_engine: MakeEngine, make_pins: MakePins) -> None:
    layout = install_engine(None, make_engine(), pins=make_pins())

    assert layout.version == "9.1.0"
    assert layout.source == "installed"
    assert layout.root.name == "9.1.0"
    assert layout.launch_script.is_file()
    assert layout.lua_lib_dirs == [layout.root / "runtime" / "lua"]
    assert _files(layout.root) == {
        RECORD_NAME,
        "manifest.xml",
        "src/Launch.lua",
        "src/GameVersions.lua",
        "src/Modules/Calcs.lua",
        "src/TreeData/3_1/tree.lua",
        "src/TreeData/3_2/skills-3.jpg",
        "runtime/lua/xml.lua",
    }
    record = read_install_record(layout.root)
    assert record is not None
    assert record["verified"] == 7
    assert record["unverified"] == []
    assert record["missing"] == []
    assert record["missing_tree_versions"] == ["3_2"]
    assert layout.missing_tree_versions == ["3_2"]


def test_installed_files_are_read_only(make_engine: MakeEngine, make_pins: MakePins) -> None:
    layout = install_engine(None, make_engine(), pins=make_pins())
    for path in layout.root.rglob("*"):
        if path.is_file():
            assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), path


def test_install_from_installed_pob_maps_into_checkout_shape(
    make_engine: MakeEngine, make_pins: MakePins
) -> None:
    layout = install_engine(None, make_engine(installed=True), pins=make_pins())

    files = _files(layout.root)
    assert {"src/Launch.lua", "src/Modules/Calcs.lua", "runtime/lua/xml.lua", "manifest.xml"} <= files
    assert not any("Builds" in f or "Settings.xml" in f or f.endswith(".exe") for f in files)
    assert layout.kind == "checkout"
    record = read_install_record(layout.root)
    assert record is not None and record["verified"] == 7


def test_install_from_extracted_archive_folder(make_engine: MakeEngine, make_pins: MakePins) -> None:
    source = make_engine(top="PathOfBuilding-9.1.0")
    layout = install_engine(None, source, pins=make_pins())
    assert layout.version == "9.1.0"


def test_checksum_mismatch_installs_nothing(
    make_engine: MakeEngine, make_pins: MakePins, isolated_dirs: Path
) -> None:
    source = make_engine()
    (source / "src" / "Modules" / "Calcs.lua").write_text("return { tampered = true }\n")

    with pytest.raises(EngineInstallError) as caught:
        install_engine(None, source, pins=make_pins())

    message = str(caught.value)
    assert "checksum mismatch" in message and "src/Modules/Calcs.lua" in message
    assert "nothing was installed" in message
    assert list(isolated_dirs.iterdir()) == []


def test_failed_reinstall_keeps_the_previous_install(make_engine: MakeEngine, make_pins: MakePins) -> None:
    pins = make_pins()
    good = install_engine(None, make_engine("good"), pins=pins)
    bad = make_engine("bad")
    (bad / "src" / "Launch.lua").write_text("os.exit()\n")

    with pytest.raises(EngineInstallError):
        install_engine(None, bad, pins=pins)

    assert (good.root / "src" / "Launch.lua").read_text() == "-- launch\n"
    assert [p.name for p in good.root.parent.iterdir()] == ["9.1.0"]


def test_reinstall_replaces_the_previous_install(make_engine: MakeEngine, make_pins: MakePins) -> None:
    pins = make_pins()
    first = make_engine("first")
    (first / "src" / "Stale.lua").write_text("-- only in the first\n")
    install_engine(None, first, pins=pins)

    layout = install_engine(None, make_engine("second"), pins=pins)

    assert not (layout.root / "src" / "Stale.lua").exists()
    assert [p.name for p in layout.root.parent.iterdir()] == ["9.1.0"]


def test_partial_engine_installs_and_records_what_is_missing(
    make_engine: MakeEngine, make_pins: MakePins
) -> None:
    source = make_engine()
    (source / "src" / "TreeData" / "3_1" / "tree.lua").unlink()

    layout = install_engine(None, source, pins=make_pins())

    record = read_install_record(layout.root)
    assert record is not None
    assert record["missing"] == ["src/TreeData/3_1/tree.lua"]
    assert record["missing_tree_versions"] == ["3_1", "3_2"]
    assert layout.missing_tree_versions == ["3_1", "3_2"]


def test_files_unknown_to_the_manifest_are_reported_unverified(
    make_engine: MakeEngine, make_pins: MakePins
) -> None:
    source = make_engine()
    (source / "src" / "Extra.lua").write_text("-- local addition\n")

    layout = install_engine(None, source, pins=make_pins())

    record = read_install_record(layout.root)
    assert record is not None
    assert record["unverified"] == ["src/Extra.lua"]
    assert record["verified"] == 7


def test_unpinned_version_installs_unverified(make_engine: MakeEngine, make_pins: MakePins) -> None:
    layout = install_engine(None, make_engine(version="9.9.9"), pins=make_pins())

    record = read_install_record(layout.root)
    assert record is not None
    assert record["verified"] == 0
    assert len(record["unverified"]) == 7
    assert record["manifest"] is None


def test_requested_version_must_match_the_source(make_engine: MakeEngine, make_pins: MakePins) -> None:
    with pytest.raises(EngineInstallError, match=r"holds PoB 9\.1\.0, not the requested 9\.2\.0"):
        install_engine("9.2.0", make_engine(), pins=make_pins())


def test_version_comes_from_the_caller_when_manifest_is_absent(
    make_engine: MakeEngine, make_pins: MakePins
) -> None:
    source = make_engine()
    (source / "manifest.xml").unlink()
    with pytest.raises(EngineInstallError, match="cannot tell the PoB version"):
        install_engine(None, source, pins=make_pins())

    layout = install_engine("9.1.0", source, pins=make_pins())
    record = read_install_record(layout.root)
    assert record is not None and record["missing"] == ["manifest.xml"]


def test_source_env_var_is_honoured(
    make_engine: MakeEngine, make_pins: MakePins, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POB_LS_ENGINE_SOURCE", str(make_engine()))
    layout = install_engine(None, None, pins=make_pins())
    assert layout.version == "9.1.0"


def test_missing_source_is_a_clear_error(tmp_path: Path, make_pins: MakePins) -> None:
    with pytest.raises(EngineInstallError, match="does not exist"):
        install_engine(None, tmp_path / "nowhere", pins=make_pins())


def test_folder_without_engine_is_a_clear_error(tmp_path: Path, make_pins: MakePins) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineInstallError, match="holds no PoB engine"):
        install_engine(None, tmp_path / "empty", pins=make_pins())


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlinks_in_a_source_folder_are_not_followed(
    make_engine: MakeEngine, make_pins: MakePins, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy")
    source = make_engine()
    (source / "src" / "Leak.lua").symlink_to(secret)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.lua").write_text("-- outside\n")
    (source / "src" / "LinkedDir").symlink_to(outside, target_is_directory=True)

    layout = install_engine(None, source, pins=make_pins())

    assert not (layout.root / "src" / "Leak.lua").exists()
    assert not (layout.root / "src" / "LinkedDir").exists()
    shutil.rmtree(outside)
