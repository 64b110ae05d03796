"""Each kind of edit takes its own update path (reported in `kind`) and still equals a full reload."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.host.incremental import update_build

from .conftest import build_text, differences
from .edits import item_line

pytestmark = pytest.mark.engine

BUILD = "067-exsanguinate-trickster-3-28.xml"


@pytest.fixture(scope="module")
def base(host: PobHost) -> str:
    return build_text(BUILD)


def _check(host: PobHost, old: str, new: str) -> str:
    """Update a build loaded from `old` to `new`; assert it equals a reload; return the kind."""
    assert new != old
    handle = host.load_build(old)
    outcome = update_build(host, handle, old, new)
    ref = host.load_build(new)
    try:
        assert differences(host.result(outcome.handle), host.result(ref)) == []
    finally:
        host.free(ref)
        host.free(outcome.handle)
    return outcome.kind


def _sub(pattern: str, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 1) -> str:
    out = re.sub(pattern, repl, text, count=count, flags=re.S)
    assert out != text, pattern
    return out


def _bump_gem_level(m: re.Match[str]) -> str:
    return m.group(1) + str(int(m.group(2)) - 2)


CASES: dict[str, tuple[str, Callable[[str], str]]] = {
    "level": ("incremental:build", lambda t: _sub(r'(<Build [^>]*?\blevel=")\d+', r"\g<1>80", t)),
    "main group": (
        "incremental:build",
        lambda t: _sub(r'(<Build [^>]*?\bmainSocketGroup=")\d+', r"\g<1>1", t),
    ),
    "saved stats only": (
        "incremental:stats",
        lambda t: _sub(r'(<PlayerStat stat="Life" value=")[^"]*', r"\g<1>1", t),
    ),
    "legacy bandit attribute": (
        "incremental:stats",
        lambda t: _sub(r'(<Build [^>]*?\bbandit=")\w+', r"\g<1>Oak", t),
    ),
    "config toggle": (
        "incremental:config",
        lambda t: _sub(r'(<Input name="\w+" boolean=")true', r"\g<1>false", t),
    ),
    "bandit in config": (
        "incremental:config",
        lambda t: _sub(r'(<Input name="bandit" string=")\w+', r"\g<1>Oak", t),
    ),
    "gem level": ("incremental:gem", lambda t: _sub(r'(<Gem [^>]*?\blevel=")(\d+)', _bump_gem_level, t)),
    "gem enabled": ("incremental:gem", lambda t: _sub(r'(<Gem [^>]*?\benabled=")true', r"\g<1>false", t)),
    "group enabled": (
        "incremental:skill",
        lambda t: _sub(r'(<Skill [^>]*?\benabled=")true', r"\g<1>false", t),
    ),
    "gem removed": ("incremental:skill", lambda t: _sub(r"(<Skill [^>]*>.*?)<Gem [^>]*/>", r"\1", t)),
    "two groups": (
        "incremental:skills",
        lambda t: _sub(r'(<Gem [^>]*?\bquality=")\d+', r"\g<1>7", t, count=0),
    ),
    "item line": ("incremental:item", lambda t: item_line(t, 3, 4)),
    "passive node": ("incremental:tree-alloc", lambda t: _sub(r'(<Spec [^>]*?\bnodes=")\d+,', r"\1", t)),
    "notes": ("incremental:notes", lambda t: _sub(r"<Notes>", "<Notes>hello ", t)),
    "level and config": (
        "incremental:build,config",
        lambda t: _sub(
            r'(<Build [^>]*?\blevel=")\d+',
            r"\g<1>70",
            _sub(r'(<Input name="\w+" boolean=")true', r"\g<1>false", t),
        ),
    ),
    "item added": (
        "reload",
        lambda t: _sub(r"(<Items[^>]*>)", r'\1<Item id="999">Rarity: NORMAL\nIron Ring\n</Item>', t),
    ),
    "new section": ("reload", lambda t: _sub(r"</PathOfBuilding>", "<Extra/></PathOfBuilding>", t)),
    "tree version": ("reload", lambda t: _sub(r'treeVersion="3_28"', 'treeVersion="3_27"', t)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kind(host: PobHost, base: str, case: str) -> None:
    kind, edit = CASES[case]
    assert _check(host, base, edit(base)) == kind


def test_identical_text_is_unchanged(host: PobHost, base: str) -> None:
    handle = host.load_build(base)
    assert update_build(host, handle, base, base).kind == "unchanged"
    host.free(handle)


def test_failed_in_place_update_reloads_into_a_fresh_object(host: PobHost, base: str) -> None:
    # One item's base becomes unknown: the Lua update refuses it (a reload drops the item).
    new = _sub(r"(<Item id=\"1\"[^>]*>).*?(</Item>)", "\\1Rarity: NORMAL\nFrobnicated Gizmo\n\\2", base)
    handle = host.load_build(base)
    outcome = update_build(host, handle, base, new)
    assert outcome.kind == "reload" and outcome.handle != handle
    host.free(outcome.handle)


def test_lazy_calcs_pass_feeds_what_if(host: PobHost, base: str) -> None:
    """What-if reads the misc calculator, which the MAIN-only recalc leaves to be completed on use."""
    new = _sub(r'(<Input name="\w+" boolean=")true', r"\g<1>false", base)
    handle = update_build(host, host.load_build(base), base, new).handle
    ref = host.load_build(new)
    try:
        assert host.call("whatif", "removeItem", handle, "Body Armour") == host.call(
            "whatif", "removeItem", ref, "Body Armour"
        )
    finally:
        host.free(ref)
        host.free(handle)
