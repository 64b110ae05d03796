"""build_diff without the engine: real build 067 and edited copies, with canned stats results."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pob_ls.analysis.build_diff import diff_builds, sidebar_deltas, stat_deltas
from pob_ls.analysis.diff_model import DiffSide, NodeInfo
from pob_ls.analysis.diff_text import format_delta, render_build, render_diff
from pob_ls.document import encode_share_code, parse_document
from tests.diff import edits

CHARACTER = {
    "class": "Shadow",
    "ascendancy": "Trickster",
    "level": 97,
    "main_skill": "Exsanguinate",
    "main_socket_group": 3,
}
NODES = {
    2260: NodeInfo("Mine Damage", "Normal", ("12% increased Mine Damage",)),
    13387: NodeInfo("Elemental Mastery", "Mastery", ("3% chance for Hits to deal 300% of Physical Damage",)),
    64583: NodeInfo("Medium Jewel Socket", "Socket"),
}


def stats(**build: Any) -> dict[str, Any]:
    return {"build": {**CHARACTER, **build}, "display_stats": [], "player_stats": {}, "minion_stats": {}}


@pytest.fixture(scope="module")
def base(shared_builds: Path) -> str:
    return edits.base_text(shared_builds)


def side(
    text: str, result: dict[str, Any] | None = None, nodes: dict[int, NodeInfo] | None = None
) -> DiffSide:
    doc = parse_document(text)
    assert doc.ok
    return DiffSide(
        doc,
        result or stats(),
        nodes if nodes is not None else NODES,
        {"conditionEnemyShocked": "Is the enemy Shocked?"},
    )


def changes(base: str, edit: str, **kw: Any) -> list[dict[str, Any]]:
    new_text = edits.EDITS[edit](base)
    diff = diff_builds(side(base), side(new_text, **kw))
    return [c.to_json() for c in diff.changes]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_identical_builds_have_no_changes(base: str) -> None:
    diff = diff_builds(side(base), side(base))
    assert (diff.stats, diff.sidebar, diff.changes) == ([], [], [])


def test_gem_level(base: str) -> None:
    [c] = changes(base, "gem_level")
    assert (c["kind"], c["change"]) == ("gem", "changed")
    assert c["text"] == "Hatred in Herald of Purity + Hatred + Zealotry (Helmet): level 21 -> 20"
    assert c["attributes"] == {"level": ["21", "20"]}
    assert c["old_line"] == c["new_line"] == line_of(base, 'variantId="Hatred"')


def test_gem_disabled(base: str) -> None:
    [c] = changes(base, "gem_disabled")
    assert c["kind"] == "gem" and c["attributes"] == {"enabled": ["true", "false"]}
    assert c["text"].startswith("Zealotry in ")


def test_gem_removed(base: str) -> None:
    [c] = changes(base, "gem_removed")
    assert (c["kind"], c["change"], c["gem"]) == ("gem", "removed", "Hypothermia")
    assert c["old_line"] == line_of(base, 'variantId="SupportHypothermia"') and c["new_line"] is None


def test_gem_swapped(base: str) -> None:
    [c] = changes(base, "gem_swapped")
    assert (c["kind"], c["change"], c["swapped"]) == ("gem", "changed", True)
    assert (c["old_gem"], c["new_gem"]) == ("Bonechill", "Added Cold Damage")


def test_socket_group_added_keeps_other_groups_paired(base: str) -> None:
    [c] = changes(base, "group_added")
    assert (c["kind"], c["change"], c["group"]) == ("socket-group", "added", "Clarity (Amulet)")
    assert c["old_line"] is None and c["details"] == ["Clarity 20/0"]


def test_socket_group_inserted_first_does_not_shift_pairs(base: str) -> None:
    """A group inserted before the others is one addition, not a cascade of changed groups."""
    first = '<Skill mainActiveSkillCalcs="1" includeInFullDPS="nil" enabled="true" slot="Helmet"'
    new_group = (
        '<Skill enabled="true" slot="Amulet" mainActiveSkill="1"><Gem level="20" skillId="Clarity" '
        'nameSpec="Clarity" quality="0" enabled="true"/></Skill>\n\t\t\t'
    )
    new_text = edits.replace_once(base, first, new_group + first)
    diff = diff_builds(side(base), side(new_text))
    assert [(c.kind, c.change) for c in diff.changes] == [("socket-group", "added")]


def test_socket_group_disabled(base: str) -> None:
    [c] = changes(base, "group_disabled")
    assert (c["kind"], c["change"]) == ("socket-group", "changed")
    assert c["attributes"] == {"enabled": ["true", "false"]} and "(Gloves)" in c["text"]


def test_main_skill_named_by_the_engine(base: str) -> None:
    [c] = changes(base, "main_skill", result=stats(main_skill="Frost Bomb", main_socket_group=6))
    assert (c["kind"], c["change"]) == ("socket-group", "changed")
    assert c["text"] == "main skill: Exsanguinate -> Frost Bomb"
    assert c["main_socket_group"] == [3, 6] and c["new_line"] == 3


def test_item_mod_line(base: str) -> None:
    [c] = changes(base, "item_mod")
    assert (c["kind"], c["change"], c["slot"]) == ("item", "changed", "Gloves")
    assert c["text"] == "Gloves: Rune Vise, Phantom Mitts"
    assert (c["removed_lines"], c["added_lines"]) == (["+124 to maximum Life"], ["+90 to maximum Life"])
    assert c["old_line"] == line_of(base, "+124 to maximum Life")


def test_item_removed_from_slot(base: str) -> None:
    [c] = changes(base, "item_removed")
    assert (c["kind"], c["change"], c["slot"], c["old_item"]) == (
        "item",
        "removed",
        "Helmet",
        "Heatshiver, Leather Hood",
    )
    assert c["new_line"] is None


def test_item_swapped_in_slot(base: str) -> None:
    """A slot holding another item: the names on both sides and the lines that differ."""
    new_text = edits.replace_once(base, 'name="Gloves" itemId="6"', 'name="Gloves" itemId="1"')
    diff = diff_builds(side(base), side(new_text))
    gloves = [c for c in diff.changes if c.fields.get("slot") == "Gloves"]
    assert len(gloves) == 1 and gloves[0].change == "changed"
    assert gloves[0].text == "Gloves: Rune Vise, Phantom Mitts -> Heatshiver, Leather Hood"


def test_flask_deactivated(base: str) -> None:
    [c] = changes(base, "flask_off")
    assert (c["kind"], c["slot"], c["active"]) == ("item", "Flask 1", False)
    assert c["text"].endswith("deactivated")


def test_node_removed_by_name(base: str) -> None:
    [c] = changes(base, "node_removed")
    assert (c["kind"], c["change"], c["node_id"], c["node"]) == ("node", "removed", 2260, "Mine Damage")
    assert c["text"] == "unallocated Mine Damage" and c["details"] == ["12% increased Mine Damage"]
    assert c["old_line"] == line_of(base, "<Spec ")


def test_node_added_named_by_the_new_side(base: str) -> None:
    old_text = edits.node_removed(base)
    diff = diff_builds(side(old_text, nodes={}), side(base))
    [c] = diff.changes
    assert (c.kind, c.change, c.text) == ("node", "added", "allocated Mine Damage")
    assert c.old_line is None and c.new_line == line_of(base, "<Spec ")


def test_mastery_effect_changed(base: str) -> None:
    old_nodes = {
        53615: NodeInfo(
            "Reservation Mastery", "Mastery", ("Auras from your Skills have 10% increased Effect on you",)
        )
    }
    new_nodes = {
        53615: NodeInfo(
            "Reservation Mastery", "Mastery", ("12% increased Mana Reservation Efficiency of Skills",)
        )
    }
    new_text = edits.mastery_changed(base)
    diff = diff_builds(side(base, nodes=old_nodes), side(new_text, nodes=new_nodes))
    [c] = [x.to_json() for x in diff.changes]
    assert (c["kind"], c["change"], c["old_effect"], c["new_effect"]) == ("mastery", "changed", 61097, 28638)
    assert c["text"] == (
        "Reservation Mastery: Auras from your Skills have 10% increased Effect on you -> "
        "12% increased Mana Reservation Efficiency of Skills"
    )


def test_mastery_removed_is_not_also_a_node(base: str) -> None:
    [c] = changes(base, "mastery_removed")
    assert (c["kind"], c["change"], c["node"]) == ("mastery", "removed", "Elemental Mastery")


def test_jewel_removed_from_socket(base: str) -> None:
    [c] = changes(base, "jewel_removed")
    assert (c["kind"], c["change"], c["node_id"]) == ("jewel", "removed", 64583)
    assert c["text"] == "Medium Jewel Socket (64583): The Balance of Terror, Cobalt Jewel"


def test_jewel_changed_in_socket(base: str) -> None:
    new_text = edits.replace_once(
        base, "+14% to all Elemental Resistances", "+16% to all Elemental Resistances"
    )
    [c] = [x for x in diff_builds(side(base), side(new_text)).changes]
    assert (c.kind, c.change) == ("jewel", "changed")
    assert c.details == ("- +14% to all Elemental Resistances", "+ +16% to all Elemental Resistances")


def test_config_input_added_changed_removed(base: str) -> None:
    [c] = changes(base, "config_set")
    assert (c["kind"], c["change"], c["name"], c["new_value"]) == (
        "config",
        "added",
        "conditionEnemyShocked",
        "true",
    )
    assert c["text"] == "Is the enemy Shocked? (conditionEnemyShocked): true"
    on = edits.config_set(base)
    off = edits.replace_once(
        on, 'name="conditionEnemyShocked" boolean="true"', 'name="conditionEnemyShocked" boolean="false"'
    )
    [changed] = diff_builds(side(on), side(off)).changes
    assert (changed.change, changed.fields["old_value"], changed.fields["new_value"]) == (
        "changed",
        "true",
        "false",
    )
    [removed] = diff_builds(side(on), side(base)).changes
    assert removed.change == "removed" and removed.new_line is None


def test_level_class_ascendancy_bandit(base: str) -> None:
    [lv] = changes(base, "level", result=stats(level=95))
    assert (lv["kind"], lv["text"], lv["new_line"]) == ("build", "level: 97 -> 95", 3)
    [bandit] = changes(base, "bandit")
    assert (bandit["kind"], bandit["text"]) == ("build", "bandit: Alira -> None")
    asc = diff_builds(side(base), side(base, stats(ascendancy="Saboteur", **{"class": "Shadow"}))).changes
    assert [c.text for c in asc] == ["ascendancy: Trickster -> Saboteur"]


def test_share_code_side_gives_the_code_line(base: str) -> None:
    code_file = "\n" + encode_share_code(edits.gem_level(base)) + "\n"
    diff = diff_builds(side(base), side(code_file))
    [c] = diff.changes
    assert c.new_line == 2 and c.kind == "gem"


def test_stat_deltas_full_precision_and_minions() -> None:
    old = {
        "player_stats": {"Life": 3132.0, "CombinedDPS": 300857489.61234, "Same": 1.0, "Gone": 5.0},
        "minion_stats": {"TotalDPS": 10.0},
    }
    new = {
        "player_stats": {"Life": 3082.0, "CombinedDPS": 229663364.1, "Same": 1.0, "Speed": "inf"},
        "minion_stats": {"TotalDPS": 12.5},
    }
    rows = [d.to_json() for d in stat_deltas(old, new)]
    assert rows == [
        {"stat": "Life", "old": 3132.0, "new": 3082.0, "delta": -50.0},
        {
            "stat": "CombinedDPS",
            "old": 300857489.61234,
            "new": 229663364.1,
            "delta": 229663364.1 - 300857489.61234,
        },
        {"stat": "Speed", "old": None, "new": "inf", "delta": None},
        {"stat": "Gone", "old": 5.0, "new": None, "delta": None},
        {"stat": "TotalDPS", "old": 10.0, "new": 12.5, "delta": 2.5, "minion": True},
    ]


def _row(
    stat: str, value: float, text: str, section: str = "player", label: str | None = None
) -> dict[str, Any]:
    return {
        "section": section,
        "stat": stat,
        "label": label or stat,
        "value": value,
        "text": text,
        "warn": False,
    }


def test_sidebar_deltas_as_pob_formats_them() -> None:
    old = {
        "display_stats": [
            _row("Life", 3132, "3,132"),
            _row("CritMultiplier", 5.91, "591%"),
            _row("Armour", 10, "10"),
            _row("SkillDPS", 100.0, "100", "fullDPS", "Exsanguinate"),
        ]
    }
    new = {
        "display_stats": [
            _row("Life", 3082, "3,082"),
            _row("CritMultiplier", 5.46, "546%"),
            _row("Armour", 10, "10"),
            _row("SkillDPS", 150.0, "150", "fullDPS", "Exsanguinate"),
        ]
    }
    rows = sidebar_deltas(old, new)
    assert [(r.label, r.old_text, r.new_text) for r in rows] == [
        ("Life", "3,132", "3,082"),
        ("CritMultiplier", "591%", "546%"),
        ("Exsanguinate", "100", "150"),
    ]
    assert [format_delta(r) for r in rows] == ["-50 (-1.6%)", "-45 (-7.6%)", "+50 (+50.0%)"]


def test_text_rendering_lists_stats_then_changes(base: str) -> None:
    old = {**stats(), "display_stats": [_row("Life", 3132, "3,132")]}
    new = {**stats(level=95), "display_stats": [_row("Life", 3082, "3,082")]}
    a, b = side(base, old), side(edits.gem_level(edits.level(base)), new)
    text = render_diff(diff_builds(a, b), "HEAD:build.pob", "build.pob", old, new)
    lines = text.splitlines()
    assert lines[0].startswith("--- HEAD:build.pob  (Shadow Trickster, level 97")
    assert lines.index("Stats:") < lines.index("Changes:")
    assert "  Life  3,132 -> 3,082  -50 (-1.6%)" in lines
    assert any(line.split()[:2] == ["gem", "changed"] for line in lines)


def test_textconv_rendering_is_stable_and_line_per_fact(base: str) -> None:
    one = render_build(side(base, {**stats(), "display_stats": [_row("Life", 3132, "3,132")]}), "PoB 2.63.0")
    again = render_build(side(base, {**stats(), "display_stats": [_row("Life", 3132, "3,132")]}), "PoB 2.63.0")
    assert one == again
    assert "Stats: Life: 3,132" in one.splitlines()
    assert "  Normal: Mine Damage" in one.splitlines()
    edited = render_build(side(edits.node_removed(base), stats()), "PoB 2.63.0")
    assert "  Normal: Mine Damage" not in edited.splitlines()


def test_gem_quality(base: str) -> None:
    new_text = edits.replace_once(
        base,
        'variantId="Hatred" skillId="Hatred" quality="20"',
        'variantId="Hatred" skillId="Hatred" quality="15"',
    )
    [c] = diff_builds(side(base), side(new_text)).changes
    assert c.kind == "gem" and c.fields["attributes"] == {"quality": ["20", "15"]}
    assert c.text.endswith("quality 20 -> 15")


def test_unrelated_and_sparse_builds_compare_without_crashing(shared_builds: Path) -> None:
    """Any two builds compare, including one with no tree, items, skills or config at all."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(shared_builds.glob("*.xml"))]
    texts.append('<PathOfBuilding><Build level="1" className="Scion"/></PathOfBuilding>')
    for a, b in zip(texts, texts[1:] + texts[:1], strict=True):
        old, new = side(a, nodes={}), side(b, nodes={})
        diff = diff_builds(old, new)
        assert diff.changes, "different builds differ"
        for change in diff.changes:
            assert change.old_line is not None or change.new_line is not None
        render_build(new, "PoB test")


def test_nodes_the_engine_drops_after_an_edit(base: str) -> None:
    """Unallocating a node can cut the path to others: PoB drops them although the text keeps them."""
    kept = [ref.node_id for ref in parse_document(base).tree.active().nodes]  # type: ignore[union-attr]
    others = [n for n in kept if n != 2260]
    names = {**NODES, others[5]: NodeInfo("Cut Off", "Notable")}
    old = side(base, {**stats(), "facts": {"allocatedNodes": kept}}, names)
    new = side(
        edits.node_removed(base), {**stats(), "facts": {"allocatedNodes": others[:5] + others[6:]}}, names
    )
    changes = [c.to_json() for c in diff_builds(old, new).changes]
    assert [(c["kind"], c["change"], c["text"]) for c in changes] == [
        ("node", "removed", "unallocated Mine Damage"),
        ("node", "removed", "PoB no longer allocates Cut Off (still in the file: not connected)"),
    ]
    assert changes[1]["engine_only"] is True and changes[1]["old_line"] == changes[1]["new_line"]
    back = [c.text for c in diff_builds(new, old).changes]
    assert "PoB now allocates Cut Off (connected again)" in back


def test_gem_alone_in_an_unslotted_group_is_named_once() -> None:
    tpl = (
        '<PathOfBuilding><Build level="1" className="Scion"/><Skills activeSkillSet="1"><SkillSet id="1">'
        '<Skill enabled="true"><Gem nameSpec="Fireball" skillId="Fireball" level="{}" quality="0" enabled="true"/>'
        "</Skill></SkillSet></Skills></PathOfBuilding>"
    )
    [c] = diff_builds(side(tpl.format(20), stats()), side(tpl.format(10), stats())).changes
    assert c.text == "Fireball: level 20 -> 10"


def test_item_roll_change_alone(base: str) -> None:
    """Only a `<ModRange>` moved: the item text is the same, yet the item changed."""
    gloves = base.index("Rune Vise")
    start = base.index('<ModRange range="0.5" id="5"/>', gloves)
    new_text = (
        base[:start] + '<ModRange range="1" id="5"/>' + base[start + len('<ModRange range="0.5" id="5"/>') :]
    )
    [c] = diff_builds(side(base), side(new_text)).changes
    assert (c.kind, c.change, c.fields["slot"]) == ("item", "changed", "Gloves")
    assert c.details == ("mod range 5: 0.5 -> 1.0",)


def test_tattoo_taken_off_and_changed(base: str) -> None:
    m = re.search(r'\s*<Override dn="Tattoo of the Valako Stormrider".*?</Override>', base, re.S)
    assert m is not None
    names = {3656: NodeInfo("Lightning Resistance", "Normal")}
    [off] = diff_builds(side(base, nodes=names), side(base.replace(m.group(), ""), nodes=names)).changes
    assert (off.kind, off.change, off.text) == (
        "node",
        "removed",
        "Lightning Resistance: override Tattoo of the Valako Stormrider taken off",
    )
    tattoo = m.group().replace("+6% to Lightning Resistance", "+6% to Fire Resistance")
    other = edits.replace_once(base, m.group(), tattoo.replace("Valako Stormrider", "Ngamahu Warrior"))
    [changed] = diff_builds(side(base, nodes=names), side(other, nodes=names)).changes
    assert changed.change == "changed" and changed.fields["override"] == [
        "Tattoo of the Valako Stormrider",
        "Tattoo of the Ngamahu Warrior",
    ]
