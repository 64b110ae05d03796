"""Jewel edits: an in-place item update when the passive tree reads nothing that changed, else a reload.

What BuildAllDependsAndPaths and BuildClusterJewelGraphs read of a jewel (radius, conquest, keystone,
leap-like flags, cluster mods) decides: each case asserts the path taken and compares with the same text
loaded into a fresh build object.
"""

from __future__ import annotations

import re

import pytest

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.host.incremental import update_build

from .conftest import build_text, differences

pytestmark = pytest.mark.engine

GUARDIAN = "065-dominating-blow-of-inspiring-guardian-3-28.xml"
TRICKSTER = "067-exsanguinate-trickster-3-28.xml"
CHIEFTAIN = "076-blade-vortex-chieftain-3-28.xml"


def _in_item(text: str, item_id: int, pattern: str, repl: str) -> str:
    m = re.search(rf'<Item id="{item_id}"[^>]*>.*?</Item>', text, re.S)
    assert m
    body, n = re.subn(pattern, repl, m.group(0), count=1)
    assert n == 1, f"{pattern!r} not in item {item_id}"
    return text[: m.start()] + body + text[m.end() :]


CASES = {
    # name: (build, item id, pattern, replacement, kind)
    "rare jewel mod": (
        CHIEFTAIN,
        1,
        r"\+10% to Global Critical",
        "+14% to Global Critical",
        "incremental:item",
    ),
    "Unnatural Instinct mod": (
        CHIEFTAIN,
        15,
        r"2% increased Reservation Efficiency",
        "4% increased Reservation Efficiency",
        "incremental:item",
    ),
    "jewel beside Impossible Escape": (
        GUARDIAN,
        17,
        r"\+12% to Global Critical Strike",
        "+16% to Global Critical Strike",
        "incremental:item",
    ),
    "Impossible Escape keystone": (
        GUARDIAN,
        18,
        r"Radius of The Agnostic",
        "Radius of Iron Reflexes",
        "reload",
    ),
    "timeless jewel seed": (GUARDIAN, 25, r"Commissioned 80740 coins", "Commissioned 80760 coins", "reload"),
    "cluster jewel notable": (
        TRICKSTER,
        19,
        r"Added Passive Skill is Force Multiplier",
        "Added Passive Skill is Feed the Fury",
        "reload",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_jewel_edit(host: PobHost, case: str) -> None:
    build, item_id, pattern, repl, kind = CASES[case]
    text = build_text(build)
    new = _in_item(text, item_id, pattern, repl)
    handle = host.load_build(text)
    before = host.result(handle)
    out = update_build(host, handle, text, new)
    ref = host.load_build(new)
    try:
        assert out.kind == kind
        assert differences(host.result(out.handle), host.result(ref)) == []
        assert differences(host.result(ref), before) != []  # the edit is one the numbers show
    finally:
        host.free(ref)
        host.free(out.handle)
