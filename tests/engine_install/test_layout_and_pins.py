"""Layout detection, and the committed pins: well formed, and matching a real engine when one is given."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pob_ls.engine.provisioning.layout import EngineNotFoundError, detect_layout, version_key
from pob_ls.engine.provisioning.manifest import build_manifest, load_pins, read_manifest

MakeEngine = Callable[..., Path]
REAL_ENGINE_ENV = "POB_LS_REAL_ENGINE"


def test_detects_checkout(make_engine: MakeEngine) -> None:
    layout = detect_layout(make_engine())
    assert layout.kind == "checkout" and layout.version == "9.1.0"
    assert layout.script_dir == layout.root / "src"
    assert layout.lua_lib_dirs == [layout.root / "runtime" / "lua"]
    assert layout.missing_tree_versions == ["3_2"]


def test_unknown_version_without_manifest(make_engine: MakeEngine) -> None:
    root = make_engine()
    (root / "manifest.xml").unlink()
    assert detect_layout(root).version == "unknown"


def test_tree_versions_fall_back_to_tree_folders(make_engine: MakeEngine) -> None:
    root = make_engine()
    (root / "src" / "GameVersions.lua").unlink()
    (root / "src" / "TreeData" / "legion").mkdir()
    assert detect_layout(root).missing_tree_versions == ["3_2"]


def test_data_json_counts_as_tree_data(make_engine: MakeEngine) -> None:
    root = make_engine()
    (root / "src" / "TreeData" / "3_2" / "data.json").write_text("{}")
    assert detect_layout(root).missing_tree_versions == []


def test_missing_folder_and_missing_launch_are_named(tmp_path: Path) -> None:
    with pytest.raises(EngineNotFoundError, match="does not exist"):
        detect_layout(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineNotFoundError, match=r"empty: missing src/Launch\.lua .* and Launch\.lua"):
        detect_layout(tmp_path / "empty")


def test_version_key_is_numeric() -> None:
    assert version_key("2.63.0") > version_key("2.9.1") > version_key("unknown")


def test_committed_pins_are_well_formed() -> None:
    pins = load_pins()
    assert pins.default in pins.engines
    assert {"2.63.0", "2.55.5"} <= pins.engines.keys()
    for pin in pins.engines.values():
        assert re.fullmatch(r"[0-9a-f]{40}", pin.commit)
        assert pin.archive_url.startswith(
            "https://github.com/PathOfBuildingCommunity/PathOfBuilding/archive/"
        )
        entries = pin.checksums()
        assert "src/Launch.lua" in entries and "manifest.xml" in entries
        assert not set(pin.known_absent) & entries.keys()
        lines = pin.manifest_path.read_text().splitlines()
        assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])


@pytest.mark.engine
@pytest.mark.skipif(not os.environ.get(REAL_ENGINE_ENV), reason=f"set {REAL_ENGINE_ENV} to a PoB checkout")
def test_real_engine_matches_its_pinned_manifest() -> None:
    layout = detect_layout(os.environ[REAL_ENGINE_ENV])
    pin = load_pins().get(layout.version)
    assert pin is not None, f"no pin for {layout.version}"
    actual = build_manifest(layout.root)
    expected = read_manifest(pin.manifest_path)
    assert {rel for rel in actual.keys() & expected.keys() if actual[rel] != expected[rel]} == set()
    assert expected.keys() <= actual.keys()
