"""Edited copies of shared build 067 (Exsanguinate Trickster, PoB 2.63.0): one edit per change kind.

Each edit replaces text that occurs exactly once, so a build that changes upstream fails loudly
here instead of silently testing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

BUILD_067 = "067-exsanguinate-trickster-3-28.xml"
FAILS_ON_263 = "072-eye-of-winter-pathfinder-3-28.xml"


def base_text(builds: Path) -> str:
    return (builds / BUILD_067).read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"{old!r} occurs {count} times in the build, expected once")
    return text.replace(old, new)


def gem_level(text: str) -> str:
    """Hatred (Helmet) 21 -> 20."""
    return replace_once(
        text,
        'level="21" gemId="Metadata/Items/Gems/SkillGemHatred"',
        'level="20" gemId="Metadata/Items/Gems/SkillGemHatred"',
    )


def gem_disabled(text: str) -> str:
    """Zealotry disabled."""
    m = re.search(r'<Gem [^>]*variantId="Zealotry"[^>]*>', text)
    assert m is not None
    tag = m.group()
    return replace_once(text, tag, tag.replace('enabled="true" count', 'enabled="false" count'))


def gem_removed(text: str) -> str:
    """Hypothermia taken out of the Exsanguinate group."""
    m = re.search(r'\s*<Gem [^>]*variantId="SupportHypothermia"[^>]*/>', text)
    assert m is not None
    return replace_once(text, m.group(), "")


def gem_swapped(text: str) -> str:
    """Bonechill swapped for Added Cold Damage in the Skitterbots group."""
    m = re.search(r'<Gem [^>]*variantId="SupportBonechill"[^>]*/>', text)
    assert m is not None
    new = (
        m.group()
        .replace("SupportGemBonechill", "SupportGemAddedColdDamage")
        .replace('"SupportBonechill"', '"SupportAddedColdDamage"')
        .replace('nameSpec="Bonechill"', 'nameSpec="Added Cold Damage"')
    )
    return replace_once(text, m.group(), new)


def group_added(text: str) -> str:
    """A new socket group (Clarity) at the end of the skill set."""
    group = (
        '<Skill mainActiveSkillCalcs="1" includeInFullDPS="nil" enabled="true" slot="Amulet" mainActiveSkill="1">\n'
        '\t\t\t\t<Gem enableGlobal2="true" level="20" gemId="Metadata/Items/Gems/SkillGemClarity" variantId="Clarity" '
        'skillId="Clarity" quality="0" qualityId="Default" enableGlobal1="true" enabled="true" count="1" nameSpec="Clarity"/>\n'
        "\t\t\t</Skill>\n\t\t</SkillSet>"
    )
    return replace_once(text, "</SkillSet>", group)


def group_disabled(text: str) -> str:
    """The Frostblink group (Gloves) disabled."""
    return replace_once(
        text,
        '<Skill mainActiveSkillCalcs="1" includeInFullDPS="nil" enabled="true" slot="Gloves"',
        '<Skill mainActiveSkillCalcs="1" includeInFullDPS="nil" enabled="false" slot="Gloves"',
    )


def main_skill(text: str) -> str:
    """Main socket group 3 (Exsanguinate) -> 6 (Frost Bomb's group)."""
    return replace_once(text, 'mainSocketGroup="3"', 'mainSocketGroup="6"')


def item_mod(text: str) -> str:
    """Gloves: +124 to maximum Life re-rolled to +90."""
    return replace_once(text, "+124 to maximum Life\n+31% to Chaos", "+90 to maximum Life\n+31% to Chaos")


def item_removed(text: str) -> str:
    """Helmet slot emptied."""
    return replace_once(
        text, '<Slot itemPbURL="" name="Helmet" itemId="1"/>', '<Slot itemPbURL="" name="Helmet" itemId="0"/>'
    )


def flask_off(text: str) -> str:
    return replace_once(text, 'active="true" name="Flask 1"', 'name="Flask 1"')


def node_removed(text: str) -> str:
    """Mine Damage (2260) unallocated."""
    return replace_once(text, 'nodes="45608,2260,', 'nodes="45608,')


def mastery_changed(text: str) -> str:
    """Reservation Mastery: 10% aura effect on you -> another of its effects."""
    return replace_once(text, "{53615,61097}", "{53615,28638}")


def mastery_removed(text: str) -> str:
    """Elemental Mastery unallocated with its effect."""
    text = replace_once(text, ",{13387,25681}", "")
    return re.sub(
        r'(nodes="[^"]*?)\b13387,|(nodes="[^"]*?),13387\b', lambda m: m.group(1) or m.group(2), text, count=1
    )


def jewel_removed(text: str) -> str:
    """The Balance of Terror taken out of its socket (64583)."""
    return replace_once(text, '<Socket nodeId="64583" itemId="17"/>', '<Socket nodeId="64583" itemId="0"/>')


def config_set(text: str) -> str:
    """Enemy is Shocked switched on in the Default config set."""
    anchor = '<ConfigSet title="Default" id="1">'
    return replace_once(text, anchor, anchor + '\n\t\t\t<Input name="conditionEnemyShocked" boolean="true"/>')


def level(text: str) -> str:
    return replace_once(text, 'level="97"', 'level="95"')


def bandit(text: str) -> str:
    return replace_once(text, 'bandit="Alira"', 'bandit="None"')


EDITS: dict[str, Callable[[str], str]] = {
    "gem_level": gem_level,
    "gem_disabled": gem_disabled,
    "gem_removed": gem_removed,
    "gem_swapped": gem_swapped,
    "group_added": group_added,
    "group_disabled": group_disabled,
    "main_skill": main_skill,
    "item_mod": item_mod,
    "item_removed": item_removed,
    "flask_off": flask_off,
    "node_removed": node_removed,
    "mastery_changed": mastery_changed,
    "mastery_removed": mastery_removed,
    "jewel_removed": jewel_removed,
    "config_set": config_set,
    "level": level,
    "bandit": bandit,
}
