"""Facts read from real builds saved by the PoB GUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pob_ls.document import PobDocument, parse_document

from .real_builds import LARGEST_BUILD, read_build, real_build_paths


@pytest.mark.parametrize("path", real_build_paths(), ids=lambda path: path.name[:3])
def test_every_real_build_parses_without_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = parse_document(text)
    assert document.errors == []
    assert document.build is not None and document.tree is not None
    assert document.items is not None and document.skills is not None
    assert not document.from_share_code
    for section in document.sections:
        assert section.source == text[section.range.start : section.range.end]
        assert section.source.startswith(f"<{section.tag}")
    for spec in document.tree.specs:
        for node in spec.nodes:
            assert text[node.range.start : node.range.end] == str(node.node_id)
    for item in document.items.items:
        for line in item.lines:
            if "&" not in line.range.slice(text):
                assert line.range.slice(text) == line.text


def test_guardian_build_attributes(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    build = document.build
    assert build is not None
    assert (build.class_name, build.ascend_class_name, build.level) == ("Templar", "Guardian", 100)
    assert build.main_socket_group == 6
    assert (build.bandit, build.pantheon_major_god, build.pantheon_minor_god) == (
        "Eramir",
        "TheBrineKing",
        "Abberath",
    )
    assert build.target_version == "3_0"
    level_range = build.value_range("level")
    assert level_range is not None and level_range.slice(text) == "100"
    assert build.timeless_data is not None and build.timeless_data.get("devotionVariant1") == "1"


def test_guardian_saved_stats(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    build = document.build
    assert build is not None
    assert len(build.player_stats) == 93 and len(build.minion_stats) == 19
    first = build.player_stats[0]
    assert (first.stat, first.value, first.number) == ("ActiveMinionLimit", "0", 0.0)
    life = build.minion_stat("Life")
    assert life is not None and life.is_minion and life.number == 12977
    assert life.value_text_range is not None and life.value_text_range.slice(text) == "12977"
    assert life.range.slice(text) == '<MinionStat stat="Life" value="12977"/>'


def test_guardian_tree(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    tree = document.tree
    assert tree is not None and tree.active_spec == 1 and len(tree.specs) == 1
    spec = tree.active()
    assert spec is not None and spec.index == 1
    assert (spec.tree_version, spec.class_id, spec.ascend_class_id) == ("3_28", 5, 3)
    assert spec.node_ids[:3] == [39841, 10861, 20987]
    assert len(spec.nodes) == len((spec.get("nodes") or "").split(",")) == 134
    first = spec.mastery_effects[0]
    assert (first.node_id, first.effect_id) == (9471, 19628)
    assert first.range.slice(text) == "{9471,19628}"
    assert first.effect_range.slice(text) == "19628"
    assert len(spec.mastery_effects) == 9
    assert len(spec.sockets) == 12 and len(spec.overrides) == 27
    assert spec.overrides[0].name == "Tattoo of the Hinekora Warrior"
    assert spec.overrides[0].text == "3% increased maximum Energy Shield"
    assert spec.url is not None and spec.url.startswith("https://www.pathofexile.com/passive-skill-tree/")
    assert spec.url_range is not None and spec.url_range.slice(text) == spec.url


def test_guardian_items(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    items = document.items
    assert items is not None and len(items.items) == 27
    boots = items.item(1)
    assert boots is not None
    assert (boots.rarity, boots.name, boots.base_name) == ("RARE", "Armageddon March", "Paladin Boots")
    assert boots.lines[3].text == "Armour: 603"
    assert boots.lines[3].range.slice(text) == "Armour: 603"
    assert len(boots.mod_ranges) == 9 and boots.mod_ranges[0].value == 0.5
    assert boots.range.slice(text).startswith('<Item id="1">') and boots.range.slice(text).endswith("</Item>")
    item_set = items.active()
    assert item_set is not None and item_set.id == 1 and not item_set.implicit
    weapon = item_set.slot("Weapon 1")
    assert weapon is not None and weapon.item_id == 3


def test_guardian_skills_and_config(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    skills = document.skills
    assert skills is not None and skills.active_skill_set == 1
    skill_set = skills.active()
    assert skill_set is not None and len(skill_set.socket_groups) == 10
    assert sum(len(group.gems) for group in skill_set.socket_groups) == 30
    main = skill_set.socket_groups[5]
    assert (main.index, main.slot, main.enabled) == (6, "Body Armour", True)
    gem = main.gems[0]
    assert gem.name_spec == "Dominating Blow of Inspiring"
    assert gem.skill_id == "DominatingBlowAltX" and gem.level == 20
    name_range = gem.value_range("nameSpec")
    assert name_range is not None and name_range.slice(text) == "Dominating Blow of Inspiring"
    assert skill_set.socket_groups[7].source == "Tree:35011"
    config = document.config
    assert config is not None and config.active_config_set == 1
    config_set = config.active()
    assert config_set is not None and config_set.title == "Default"
    bandit = config_set.input("bandit")
    assert bandit is not None and (bandit.kind, bandit.typed_value) == ("string", "Eramir")
    assert bandit.value_text_range is not None and bandit.value_text_range.slice(text) == "Eramir"
    fire_pen = config_set.input("enemyFirePen")
    assert fire_pen is not None and fire_pen.is_placeholder and fire_pen.typed_value == 3.0


def test_largest_build_has_many_sets() -> None:
    text = read_build(LARGEST_BUILD)
    document = parse_document(text)
    assert document.tree is not None and len(document.tree.specs) == 13
    assert document.tree.active_spec == 11
    active = document.tree.active()
    assert active is not None and active.index == 11
    assert document.tree.specs[0].title == "LvL12Act1ish"
    assert document.items is not None and len(document.items.items) == 119
    assert len(document.items.item_sets) == 7
    assert document.skills is not None and document.skills.active_skill_set == 5
    assert [len(s.socket_groups) for s in document.skills.skill_sets] == [0, 7, 13, 7, 13, 8]
    assert document.config is not None and len(document.config.config_sets) == 6
    notes = document.notes
    assert notes is not None and "Should you play this build?" in notes.text


def test_old_format_bare_skills_and_slots() -> None:
    text = read_build("012-blade-blast-hierophant-3-13.xml")
    document = parse_document(text)
    assert document.skills is not None
    (skill_set,) = document.skills.skill_sets
    assert skill_set.implicit and skill_set.id == 1 and len(skill_set.socket_groups) == 10
    assert skill_set.socket_groups[4].gems[0].name_spec == "Blade Blast"
    assert document.build is not None and document.build.main_socket_group == 5
    assert document.items is not None
    implicit = [s for s in document.items.item_sets if s.implicit]
    assert len(implicit) == 1 and len(implicit[0].slots) == 17
    watchers_eye = document.items.item(2)
    assert watchers_eye is not None and watchers_eye.name == "Watcher's Eye"
    assert watchers_eye.lines[1].range.slice(text) == "Watcher&apos;s Eye"


def test_old_format_empty_config_and_url_only_spec() -> None:
    document = parse_document(read_build("082-flammability-occultist.xml"))
    assert document.config is not None and document.config.config_sets == []
    assert document.tree is not None
    spec = document.tree.specs[0]
    assert spec.nodes == [] and spec.url is not None
