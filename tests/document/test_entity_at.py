"""entity_at: the innermost model object under an offset (what hovers will show)."""

from __future__ import annotations

from pob_ls.document import (
    Build,
    BuildStat,
    ConfigInput,
    Gem,
    Item,
    ItemLine,
    MasteryEffect,
    NodeRef,
    PobDocument,
    Section,
    Slot,
    SocketGroup,
    Spec,
    parse_document,
)


def test_entities_in_a_real_build(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    node = document.entity_at(text.index(",10861,") + 3)
    assert isinstance(node, NodeRef) and node.node_id == 10861

    mastery = document.entity_at(text.index("{9471,19628}") + 7)
    assert isinstance(mastery, MasteryEffect) and mastery.effect_id == 19628

    spec = document.entity_at(text.index('<Spec masteryEffects="') + 2)
    assert isinstance(spec, Spec) and spec.index == 1

    gem = document.entity_at(text.index('nameSpec="Trinity"') + 12)
    assert isinstance(gem, Gem) and gem.name_spec == "Trinity"

    group = document.entity_at(
        text.index('<Skill mainActiveSkillCalcs="1" includeInFullDPS="nil" enabled="true" slot="Body')
    )
    assert isinstance(group, SocketGroup) and group.index == 6 and group.slot == "Body Armour"

    line = document.entity_at(text.index("Armour: 603") + 4)
    assert isinstance(line, ItemLine) and line.text == "Armour: 603"

    item = document.entity_at(text.index('<Item id="1">') + 3)
    assert isinstance(item, Item) and item.id == 1

    slot = document.entity_at(text.index('name="Weapon 1" itemId="3"'))
    assert isinstance(slot, Slot) and slot.item_id == 3

    config_input = document.entity_at(text.index('name="bandit"') + 7)
    assert isinstance(config_input, ConfigInput) and config_input.value == "Eramir"

    stat = document.entity_at(text.index('stat="ActiveMinionLimit"'))
    assert isinstance(stat, BuildStat) and stat.stat == "ActiveMinionLimit"

    build = document.entity_at(text.index('className="Templar"'))
    assert isinstance(build, Build)

    notes = document.entity_at(text.index("<Notes>") + 1)
    assert isinstance(notes, Section) and notes.tag == "Notes"

    assert document.entity_at(0) is None  # the XML declaration
    assert document.entity_at(len(text) + 10) is None


def test_range_end_is_exclusive() -> None:
    text = '<PathOfBuilding><Build/><Tree><Spec nodes="12,345"/></Tree></PathOfBuilding>'
    document = parse_document(text)
    first = text.index("12")
    assert isinstance(document.entity_at(first + 1), NodeRef)
    separator = document.entity_at(first + 2)
    assert isinstance(separator, Spec)
    last = document.entity_at(first + 3)
    assert isinstance(last, NodeRef) and last.node_id == 345


def test_bare_socket_groups_of_old_files_are_found() -> None:
    text = (
        '<PathOfBuilding><Build mainSocketGroup="2"/><Skills>'
        '<Skill slot="Helmet"><Gem nameSpec="Clarity"/></Skill>'
        '<Skill slot="Boots"><Gem nameSpec="Flame Dash"/></Skill></Skills></PathOfBuilding>'
    )
    document = parse_document(text)
    group = document.entity_at(text.index('slot="Boots"'))
    assert isinstance(group, SocketGroup) and group.index == 2
    gem = document.entity_at(text.index("Flame Dash"))
    assert isinstance(gem, Gem) and gem.name_spec == "Flame Dash"


def test_entities_at_gives_the_chain(guardian: tuple[str, PobDocument]) -> None:
    text, document = guardian
    chain = document.entities_at(text.index('nameSpec="Trinity"'))
    assert [type(entity).__name__ for entity in chain] == ["SkillsSection", "SkillSet", "SocketGroup", "Gem"]
    assert document.build is not None and document.skills is not None
    active = document.skills.active()
    assert active is not None
    main_group = active.socket_group(document.build.main_socket_group or 0)
    assert main_group is not None and main_group is chain[2]
