"""Which engine a build goes to: the newest that can load every tree version it names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pob_ls.engine.provisioning.choice import choose_engine, dedupe, no_engine_message, unknown_trees
from pob_ls.engine.provisioning.layout import EngineLayout, detect_layout, tree_range
from pob_ls.engine.provisioning.paths import engines_dir

INSTALLED = engines_dir()  # resolved at import, before conftest points the data dir into tmp


def fake(version: str, trees: list[str], missing: list[str] | None = None) -> EngineLayout:
    root = Path(f"/engines/{version}")
    return EngineLayout(root, root / "src", [], version, missing or [], tree_versions=trees)


OLD = fake("2.55.5", ["3_25", "3_26", "3_26_ruthless"])
NEW = fake("2.63.0", ["3_25", "3_26", "3_27", "3_28"], missing=["3_26"])
NEWER = fake("2.99.0", ["3_27", "3_28", "3_29"])
ENGINES = [OLD, NEWER, NEW]


@pytest.mark.parametrize(
    ("trees", "expected"),
    [
        (["3_28"], "2.99.0"),  # newest that knows it
        (["3_25"], "2.63.0"),  # 2.99.0 dropped 3_25
        (["3_26"], "2.55.5"),  # 2.63.0 lists 3_26 but lacks its data
        (["3_26_ruthless"], "2.55.5"),
        (["3_25", "3_28"], "2.63.0"),  # a leveling spec on an older tree: every spec must fit
        ([], "2.99.0"),  # no tree named: PoB's default, the newest engine
    ],
)
def test_newest_engine_that_fits_every_tree(trees: list[str], expected: str) -> None:
    chosen = choose_engine(ENGINES, trees)
    assert chosen is not None and chosen.version == expected


def test_an_engine_that_lists_a_tree_without_its_data_is_the_last_resort() -> None:
    chosen = choose_engine([NEW, NEWER], ["3_26"])
    assert chosen is not None and chosen.version == "2.63.0"  # the host then says the data is absent


def test_no_engine_knows_it_names_the_tree_each_range_and_the_fix() -> None:
    assert choose_engine(ENGINES, ["3_30"]) is None
    assert unknown_trees(ENGINES, ["3_28", "3_30"]) == ["3_30"]
    message = no_engine_message(ENGINES, ["3_30"])
    assert message == (
        "tree 3_30: no installed PoB engine knows it (PoB 2.99.0 knows 3_27-3_29, "
        "PoB 2.63.0 knows 3_25-3_28, PoB 2.55.5 knows 3_25-3_26); "
        "run `pob-ls engine install latest` to get the newest PoB"
    )
    assert "\n" not in message


def test_dedupe_keeps_one_per_folder_newest_first() -> None:
    system_copy = replace(NEW, source="system")
    assert [e.version for e in dedupe([OLD, NEW, system_copy, NEWER])] == ["2.99.0", "2.63.0", "2.55.5"]
    assert dedupe([NEW, system_copy])[0].source == "option"


def test_tree_range_orders_by_number_not_text() -> None:
    assert tree_range(["3_9", "3_10", "2_6", "3_28_ruthless", "3_28"]) == "2_6-3_28"
    assert tree_range(["3_1"]) == "3_1"
    assert tree_range(["notes"]) == "none"


@pytest.mark.engine
def test_real_engines_3_26_goes_to_2_63_0_and_3_29_to_none() -> None:
    """With the installs as they are, 2.63.0 knows every tree 2.55.5 knows; neither knows 3_29."""
    engines = []
    for version in ("2.63.0", "2.55.5"):
        if not (INSTALLED / version / "src" / "Launch.lua").is_file():
            pytest.skip(f"PoB {version} is not installed")
        engines.append(detect_layout(INSTALLED / version))
    assert [e.tree_range for e in engines] == ["2_6-3_28", "2_6-3_26"]
    for tree, expected in (("3_28", "2.63.0"), ("3_26", "2.63.0"), ("3_25_ruthless", "2.63.0")):
        chosen = choose_engine(engines, [tree])
        assert chosen is not None and chosen.version == expected
    assert choose_engine(engines, ["3_29"]) is None
