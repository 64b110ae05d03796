"""Analysis on hand-written documents and results: no engine needed."""

from __future__ import annotations

from pob_ls import analysis as A
from pob_ls.document import parse_document
from pob_ls.engine.messages import BuildResultJson, Catalog, DescribeNode, RemoveItem, ToggleGem

BUILD = """<?xml version="1.0" encoding="UTF-8"?>
<PathOfBuilding>
\t<Build level="90" className="Witch" ascendClassName="Necromancer" mainSocketGroup="1" bandit="Alira" targetVersion="3_0">
\t\t<PlayerStat stat="Life" value="4000"/>
\t\t<PlayerStat stat="Mana" value="900"/>
\t</Build>
\t<Tree activeSpec="1">
\t\t<Spec treeVersion="3_28" classId="3" ascendClassId="2" nodes="100,200,300"/>
\t</Tree>
\t<Items activeItemSet="1">
\t\t<Item id="1">
Rarity: RARE
Doom Crown
Hubris Circlet
+50 to maximum Life
Totally Fake Mod
\t\t</Item>
\t\t<ItemSet id="1"><Slot name="Helmet" itemId="1"/></ItemSet>
\t</Items>
\t<Skills activeSkillSet="1">
\t\t<SkillSet id="1">
\t\t\t<Skill enabled="true" slot="Helmet"><Gem nameSpec="Fireball" level="20" quality="0" enabled="true"/><Gem nameSpec="Frobnicate Support" level="1" quality="0" enabled="true"/></Skill>
\t\t\t<Skill enabled="true"><Gem nameSpec="Clarity" level="10" quality="0" enabled="true"/></Skill>
\t\t</SkillSet>
\t</Skills>
\t<Config><Input name="enemyIsBoss" string="Pinnacle"/><Input name="totallyBogus" boolean="true"/></Config>
</PathOfBuilding>
"""

RESULT: BuildResultJson = {
    "build": {
        "class": "Witch",
        "ascendancy": "Necromancer",
        "level": 90,
        "tree_version": "3_28",
        "main_socket_group": 1,
        "main_skill": "Fireball",
    },
    "display_stats": [
        {
            "section": "player",
            "stat": "Life",
            "label": "Total Life",
            "value": 4100,
            "text": "4,100",
            "warn": False,
        }
    ],
    "sidebar": [["Average Hit:", "1,000"], ["", ""], ["Total Life:", "4,100"]],
    "warnings": ["You have too many gems in your Helmet slot"],
    "problems": [
        {
            "severity": "error",
            "code": "gem",
            "message": "Unrecognised gem name 'Frobnicate Support'",
            "entity": {"kind": "gem", "group": 1, "gem": 2},
        },
        {
            "severity": "information",
            "code": "unsupported-mod",
            "message": "Not supported in PoB yet: Totally Fake Mod",
            "entity": {"kind": "itemLine", "itemId": 1, "line": "Totally Fake Mod"},
        },
        {
            "severity": "warning",
            "code": "config-unknown",
            "message": "Unknown config option 'totallyBogus'",
            "entity": {"kind": "config", "name": "totallyBogus"},
        },
        {
            "severity": "warning",
            "code": "socket-limit",
            "message": "You have too many gems in your Helmet slot",
            "entity": {"kind": "slot", "slot": "Helmet"},
        },
    ],
    "player_stats": {"Life": 4100, "Mana": 900},
    "minion_stats": {},
    "output": {"CombinedDPS": 123456.0, "Life": 4100, "TotalEHP": 20000},
    "minion_output": None,
    "facts": {"itemIds": [1], "slots": {"Helmet": 1}, "allocatedNodes": [100, 300]},
    "output_revision": 1,
    "timings": {},
}


def _slice(doc, finding):  # type: ignore[no-untyped-def]
    return doc.text[finding.range.start : finding.range.end]


def test_engine_findings_land_on_their_entities() -> None:
    doc = parse_document(BUILD)
    findings = {f.code: f for f in A.engine_findings(doc, RESULT)}
    assert _slice(doc, findings["gem"]).startswith('<Gem nameSpec="Frobnicate Support"')
    assert _slice(doc, findings["unsupported-mod"]) == "Totally Fake Mod"
    assert _slice(doc, findings["config-unknown"]).startswith('<Input name="totallyBogus"')
    assert _slice(doc, findings["socket-limit"]) == '<Slot name="Helmet" itemId="1"/>'
    assert _slice(doc, findings["node-dropped"]) == "200"
    assert _slice(doc, findings["stale-stat"]) == "4000"
    assert findings["stale-stat"].data == {"fix": "refreshStats"}


def test_document_findings_point_legacy_bandit_at_config() -> None:
    doc = parse_document(BUILD)
    (finding,) = [f for f in A.document_findings(doc) if f.code == "legacy-attribute"]
    assert _slice(doc, finding) == "Alira"
    assert '<Input name="bandit" string="Alira"/>' in finding.message


def test_xml_error_is_a_finding_at_its_position() -> None:
    broken = BUILD.replace(
        '<Input name="enemyIsBoss" string="Pinnacle"/>', '<Input name="enemyIsBoss" string="Pinnacle">'
    )
    doc = parse_document(broken)
    errors = [f for f in A.document_findings(doc) if f.severity == "error"]
    assert errors and errors[0].code == "mismatched-tag"
    assert doc.text[errors[0].range.start - 2 : errors[0].range.end] == "</Config"


def test_engine_error_on_tree_version_points_at_the_spec() -> None:
    doc = parse_document(BUILD)
    (finding,) = A.engine_error_findings(doc, "PoB could not load the build: Unknown Passive Tree Version")
    assert _slice(doc, finding) == "3_28"


def test_hints_and_lenses() -> None:
    doc = parse_document(BUILD)
    hints = A.inlay_hints(doc, RESULT)
    kinds = {h.kind: h for h in hints}
    assert doc.text[: kinds["build"].offset].endswith('targetVersion="3_0">')
    assert "Combined DPS 123.5k" in kinds["build"].label and "Life 4,100" in kinds["build"].label
    assert "now 4100" in kinds["stats"].label
    assert kinds["groups"].label.strip() == "123.5k DPS (main)"
    assert [h.kind for h in A.inlay_hints(doc, RESULT, kinds=frozenset({"stats"}))] == ["stats"]
    titles = [lens.title for lens in A.code_lenses(doc, RESULT)]
    assert titles[0].startswith("Necromancer level 90") and titles[1].startswith("Main skill: Fireball")


def test_hover_targets_and_rendering() -> None:
    doc = parse_document(BUILD)
    target = A.hover_target(doc, doc.text.index("<Build") + 2)
    assert target is not None and target.kind == "build"
    sheet = A.render_hover(doc, RESULT, target, None)
    assert sheet is not None and "| Total Life | 4,100 |" in sheet and "too many gems" in sheet
    gem = A.hover_target(doc, doc.text.index("Frobnicate") + 1)
    assert gem is not None and gem.kind == "gem" and gem.whatif == ToggleGem(1, 2)
    text = A.render_hover(
        doc,
        RESULT,
        gem,
        {
            "count": 1,
            "header": "Disabling this gem will give you:",
            "lines": ["Disabling this gem will give you:", "-5 Life"],
        },
    )
    assert text is not None and "Unrecognised gem name" in text and "- -5 Life" in text
    node = A.hover_target(doc, doc.text.index("200,300"))
    assert node is not None and node.whatif == DescribeNode(200)
    compare = {
        "count": 1,
        "header": "Unallocating this node will give you:",
        "lines": ["Unallocating this node will give you:", "-10 Life"],
        "path": {
            "count": 1,
            "header": "Unallocating this node and all nodes depending on it will give you:",
            "lines": ["Unallocating this node and all nodes depending on it will give you:", "-30 Life"],
        },
    }
    stats = {
        "id": 200,
        "name": "Toughness",
        "type": "Normal",
        "stats": ["+10 to maximum Life"],
        "allocated": False,
        "compare": compare,
    }
    text = A.render_hover(doc, RESULT, node, stats)
    assert text is not None
    assert text.index("**Unallocating this node will give you:**") < text.index("- -10 Life")
    assert text.index("all nodes depending on it will give you:**") < text.index("- -30 Life")
    item = A.hover_target(doc, doc.text.index('<Item id="1"') + 2)
    assert item is not None and item.whatif == RemoveItem("Helmet")


def test_code_actions() -> None:
    doc = parse_document(BUILD)
    group2 = doc.skills.active().socket_groups[1]  # type: ignore[union-attr]
    actions = {a.title: a for a in A.code_actions(doc, RESULT, group2.range)}
    refresh = actions["Refresh 1 stored stats with PoB's current values"]
    assert [(doc.text[r.start : r.end], new) for r, new in refresh.edits] == [("4000", "4100")]
    main = actions["Make 'Clarity' the main skill"]
    assert [(doc.text[r.start : r.end], new) for r, new in main.edits] == [("1", "2")]
    code = actions["Convert to a PoB share code"].edits[0][1].strip()
    back = parse_document(code)
    assert back.from_share_code and back.text == doc.text
    assert [a.title for a in A.code_actions(back, RESULT, back.share_code_range)] == [
        "Convert share code to PoB XML"
    ]  # type: ignore[arg-type]


def test_symbols_and_completion() -> None:
    doc = parse_document(BUILD)
    names = [s.name for s in A.document_symbols(doc)]
    assert names == ["Build", "Tree", "Items", "Skills", "Config"]
    catalog: Catalog = {
        "gems": ["Fireball", "Frostbolt"],
        "config": [
            {
                "name": "enemyIsBoss",
                "type": "list",
                "label": "Is the enemy a Boss?",
                "values": ["None", "Boss"],
            }
        ],
        "treeVersions": ["3_28"],
    }
    at_gem = doc.text.index('nameSpec="Fireball"') + len('nameSpec="')
    assert [c.label for c in A.completions(doc, at_gem, RESULT, catalog)] == ["Fireball", "Frostbolt"]
    at_value = doc.text.index('string="Pinnacle"') + len('string="')
    assert [c.label for c in A.completions(doc, at_value, RESULT, catalog)] == ["None", "Boss"]


def test_stored_value_matches_lua_tostring() -> None:
    assert A.stored_value(4100) == "4100"
    assert A.stored_value(11.316032) == "11.316032"
    assert A.stored_value(49351079.793926) == "49351079.793926"
    assert A.stored_value(float("inf")) == "inf"


def test_class_names_that_disagree_with_the_spec_are_flagged() -> None:
    doc = parse_document(BUILD.replace('ascendClassName="Necromancer"', 'ascendClassName="Necromancr"'))
    (finding,) = [f for f in A.engine_findings(doc, RESULT) if f.code == "unknown-ascendancy"]
    assert doc.text[finding.range.start : finding.range.end] == "Necromancr"
    assert "Necromancer" in finding.message
    assert not [f for f in A.engine_findings(parse_document(BUILD), RESULT) if f.code.startswith("unknown-")]
