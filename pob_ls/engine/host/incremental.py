"""Bring a loaded build object up to date with a new text of its document.

The correct baseline is a full reload into a fresh build object; minimal in-place updates
per section are layered on top of it and must give the same result key by key
(tests/engine_incremental). The diff works on raw text spans, so unchanged sections cost
nothing and a changed section's own text is what PoB's parser sees in Lua.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast, get_args

from pob_ls.engine.host.host import EngineError, PobHost
from pob_ls.engine.messages import StepKind, UpdateHow, update_kind

# Sections whose change does not alter the MAIN pass (Calcs only feeds the CALCS pass).
_PASSIVE_SECTIONS: dict[str, StepKind] = {
    "Notes": "notes",
    "Import": "import",
    "TreeView": "treeview",
    "Calcs": "calcs",
}
# <Build> attributes Build:Load never reads (PoB writes them from the tree and the config).
_DERIVED_BUILD_ATTRS = frozenset({"className", "ascendClassName"})
_LEGACY_BUILD_ATTRS = frozenset({"bandit", "pantheonMajorGod", "pantheonMinorGod"})
# Applied in this order, as Build:Load (autoMode before level: the level is reset from the XML).
_BUILD_ATTRS = ("viewMode", "characterLevelAutoMode", "level", "mainSocketGroup")
_GEM_IDENTITY = ("nameSpec", "gemId", "variantId", "skillId", "qualityId")

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE[^>]*>"
    r"|<(/?)([A-Za-z_][\w.:-]*)((?:[^>\"']+|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)


@dataclass(frozen=True)
class UpdateOutcome:
    handle: int  # the build object now holding new_xml (may differ from the one passed in)
    how: UpdateHow  # "reload", "unchanged" or "incremental" (never "cached": that is the worker's)
    steps: tuple[StepKind, ...] = ()  # for "incremental": the steps taken, in order, without repeats

    @property
    def kind(self) -> str:
        """ "reload", "unchanged", or "incremental:<step>,<step>..."."""
        return update_kind(self.how, self.steps)


@dataclass(frozen=True)
class _Span:
    """One element of the document: its tag and where it starts, its content starts and it ends."""

    tag: str
    start: int
    inner: int
    end: int


@dataclass(frozen=True)
class _Step:
    kind: StepKind
    function: str
    args: tuple[object, ...]
    recalc: bool = True
    module: str = "incremental"  # the glue module holding `function`


class _NotHandled(Exception):
    """The edit needs a full reload."""


def _children(text: str, lo: int, hi: int) -> list[_Span]:
    """Direct child elements inside text[lo:hi] (a parent's content)."""
    out: list[_Span] = []
    depth = 0
    open_tag: tuple[str, int, int] | None = None
    for m in _TOKEN.finditer(text, lo, hi):
        if m.group(2) is None:
            continue
        closing, tag, rest = m.group(1) == "/", m.group(2), m.group(3)
        if closing:
            depth -= 1
            if depth < 0:
                raise _NotHandled("unbalanced XML")
            if depth == 0 and open_tag is not None:
                if open_tag[0] != tag:
                    raise _NotHandled("mismatched tags")
                out.append(_Span(tag, open_tag[1], open_tag[2], m.end()))
                open_tag = None
        elif rest.rstrip().endswith("/"):
            if depth == 0:
                out.append(_Span(tag, m.start(), m.end(), m.end()))
        else:
            if depth == 0:
                open_tag = (tag, m.start(), m.end())
            depth += 1
    if depth != 0:
        raise _NotHandled("unbalanced XML")
    return out


def _content_end(text: str, span: _Span) -> int:
    """Where the element's content ends (the start of its end tag)."""
    return span.inner if span.inner == span.end else text.rindex("<", span.start, span.end)


def _kids(text: str, span: _Span) -> list[_Span]:
    return _children(text, span.inner, _content_end(text, span)) if span.inner != span.end else []


def _raw(text: str, span: _Span) -> str:
    return text[span.start : span.end]


def _shell(text: str, span: _Span, kids: list[_Span]) -> str:
    """The element's text without its children: start/end tags and text between children."""
    parts, pos = [], span.start
    for k in kids:
        parts.append(text[pos : k.start])
        pos = k.end
    parts.append(text[pos : span.end])
    return "\x00".join(parts)


def _attrs(text: str, span: _Span) -> dict[str, str]:
    try:
        close = "" if span.inner == span.end else f"</{span.tag}>"
        return dict(ET.fromstring(text[span.start : span.inner] + close).attrib)
    except ET.ParseError as exc:
        raise _NotHandled(f"bad <{span.tag}>") from exc


@functools.lru_cache(maxsize=16)
def _root(text: str) -> tuple[list[_Span], _Span]:
    """The <PathOfBuilding> element and its sections, in one scan; cached, since each text is
    diffed twice: as the new text of one edit and the old text of the next."""
    sections: list[_Span] = []
    stack: list[tuple[str, int, int]] = []
    root: _Span | None = None
    for m in _TOKEN.finditer(text):
        if m.group(2) is None:
            continue
        closing, tag = m.group(1) == "/", m.group(2)
        if closing:
            if not stack or stack[-1][0] != tag:
                raise _NotHandled("unbalanced XML")
            name, start, inner = stack.pop()
            span = _Span(name, start, inner, m.end())
        elif m.group(3).rstrip().endswith("/"):
            span = _Span(tag, m.start(), m.end(), m.end())
        else:
            stack.append((tag, m.start(), m.end()))
            continue
        if len(stack) == 1:
            sections.append(span)
        elif not stack:
            if root is not None:
                raise _NotHandled("more than one root element")
            root = span
    if stack or root is None or root.tag != "PathOfBuilding":
        raise _NotHandled("no <PathOfBuilding> root")
    return sections, root


def _pairs(old: str, new: str, a: list[_Span], b: list[_Span]) -> Iterator[tuple[int, _Span, _Span]]:
    """Index-matched children that differ; the tag sequences must be the same."""
    if [s.tag for s in a] != [s.tag for s in b]:
        raise _NotHandled("elements added, removed or reordered")
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if _raw(old, x) != _raw(new, y):
            yield i, x, y


def _plan_build(old: str, new: str, x: _Span, y: _Span, has_config: bool) -> list[_Step]:
    xa, ya = _attrs(old, x), _attrs(new, y)
    xk, yk = _kids(old, x), _kids(new, y)
    stats = ("PlayerStat", "MinionStat")
    if [_raw(old, s) for s in xk if s.tag not in stats] != [_raw(new, s) for s in yk if s.tag not in stats]:
        raise _NotHandled("<Build> children changed")
    changed = {k for k in xa.keys() | ya.keys() if xa.get(k) != ya.get(k)} - _DERIVED_BUILD_ATTRS
    if changed & _LEGACY_BUILD_ATTRS and not has_config:
        raise _NotHandled("legacy bandit/pantheon without <Config>")
    changed -= _LEGACY_BUILD_ATTRS
    if "mainSkillIndex" in xa or "mainSkillIndex" in ya or changed - set(_BUILD_ATTRS):
        raise _NotHandled("unhandled <Build> attributes")
    if changed & {"level", "characterLevelAutoMode"}:
        changed |= {"level", "characterLevelAutoMode"}
    steps = [_Step("build", "buildAttr", (k, ya.get(k, ""))) for k in _BUILD_ATTRS if k in changed]
    return steps or [_Step("stats", "", (), recalc=False)]


def _plan_items(old: str, new: str, x: _Span, y: _Span) -> list[_Step]:
    xk, yk = _kids(old, x), _kids(new, y)
    if _shell(old, x, xk) != _shell(new, y, yk):
        raise _NotHandled("<Items> attributes changed")
    diff = list(_pairs(old, new, xk, yk))
    if len(diff) != 1 or diff[0][1].tag != "Item":
        raise _NotHandled("more than one item changed")
    _, a, b = diff[0]
    if _attrs(old, a).get("id") != _attrs(new, b).get("id"):
        raise _NotHandled("item id changed")
    return [_Step("item", "item", (_raw(new, b),))]


def _gem_index(old: str, new: str, a: _Span, b: _Span) -> int:
    """1-based index of the only changed gem of a <Skill>, or 0 when the group changed otherwise."""
    xa, ya = _attrs(old, a), _attrs(new, b)
    if xa != ya or "skillPart" in ya:
        return 0
    xk, yk = _kids(old, a), _kids(new, b)
    if _shell(old, a, xk) != _shell(new, b, yk):
        return 0
    try:
        diff = list(_pairs(old, new, xk, yk))
    except _NotHandled:
        return 0
    if len(diff) != 1 or diff[0][1].tag != "Gem":
        return 0
    i, g, h = diff[0]
    ga, ha = _attrs(old, g), _attrs(new, h)
    if any(ga.get(k) != ha.get(k) for k in _GEM_IDENTITY):
        return 0
    return sum(1 for s in yk[: i + 1] if s.tag == "Gem")


def _plan_skill_group(old: str, new: str, x: _Span, y: _Span) -> _Step:
    xk, yk = _kids(old, x), _kids(new, y)
    if _shell(old, x, xk) != _shell(new, y, yk):
        raise _NotHandled("<Skills> attributes changed")
    sets = list(_pairs(old, new, xk, yk))
    if len(sets) != 1 or sets[0][1].tag != "SkillSet":
        raise _NotHandled("not one skill set")
    _, sa, sb = sets[0]
    sak, sbk = _kids(old, sa), _kids(new, sb)
    if _shell(old, sa, sak) != _shell(new, sb, sbk):
        raise _NotHandled("<SkillSet> attributes changed")
    groups = list(_pairs(old, new, sak, sbk))
    if len(groups) != 1 or groups[0][1].tag != "Skill":
        raise _NotHandled("not one socket group")
    _, ga, gb = groups[0]
    if "source" in _attrs(old, ga) or "source" in _attrs(new, gb):
        raise _NotHandled("item/tree-granted group")
    skills = [s for s in sbk if s.tag == "Skill"]
    user = [s for s in skills if "source" not in _attrs(new, s)]
    rank = next(n for n, s in enumerate(user, 1) if s.start == gb.start)
    set_id = int(_attrs(new, sb).get("id", "1"))
    gem = _gem_index(old, new, ga, gb)
    return _Step("gem" if gem else "skill", "skillGroup", (set_id, rank, len(user), _raw(new, gb), gem))


def _plan_skills(old: str, new: str, x: _Span, y: _Span) -> list[_Step]:
    try:
        return [_plan_skill_group(old, new, x, y)]
    except (_NotHandled, ValueError):
        return [_Step("skills", "skills", (_raw(new, y),))]


def _plan_tree(old: str, new: str, x: _Span, y: _Span) -> list[_Step]:
    xk, yk = _kids(old, x), _kids(new, y)
    if _shell(old, x, xk) != _shell(new, y, yk):
        raise _NotHandled("<Tree> attributes changed")
    diff = list(_pairs(old, new, xk, yk))
    if len(diff) != 1 or diff[0][1].tag != "Spec":
        raise _NotHandled("not one spec")
    i, a, b = diff[0]
    index = sum(1 for s in yk[: i + 1] if s.tag == "Spec")
    if str(index) != _attrs(new, y).get("activeSpec", "1"):
        # PoB calculates the active spec only: another spec is loaded afresh, whatever changed in it.
        return [_Step("tree-spec", "specReplace", (index, _raw(new, b)), recalc=False, module="tree")]
    xa, ya = _attrs(old, a), _attrs(new, b)
    if "nodes" not in xa or "nodes" not in ya:
        raise _NotHandled("legacy spec")
    for d in (xa, ya):
        d.pop("nodes")
        d.pop("masteryEffects", None)
    ak, bk = _kids(old, a), _kids(new, b)
    if xa != ya or [_raw(old, s) for s in ak] != [_raw(new, s) for s in bk]:
        raise _NotHandled("spec changed beyond its nodes")
    start_tag = new[b.start : b.inner] + ("" if b.inner == b.end else "</Spec>")  # children are unchanged
    return [_Step("tree", "specNodes", (index, start_tag), module="tree")]


def _plan_party(old: str, new: str, x: _Span, y: _Span) -> list[_Step]:
    names = [[(s.tag, _attrs(t, s).get("name")) for s in _kids(t, e)] for t, e in ((old, x), (new, y))]
    if names[0] != names[1] or _attrs(old, x) != _attrs(new, y):
        raise _NotHandled("party buffs added or removed")
    return [_Step("party", "party", (_raw(new, y),))]


def plan_update(old: str, new: str) -> list[_Step]:
    """The in-place steps that turn a build loaded from `old` into `new`; raises _NotHandled."""
    old_secs, old_root = _root(old)
    new_secs, new_root = _root(new)
    if _attrs(old, old_root) != _attrs(new, new_root) or _shell(old, old_root, old_secs) != _shell(
        new, new_root, new_secs
    ):
        raise _NotHandled("root changed")
    has_config = any(s.tag == "Config" for s in new_secs)
    first: list[_Step] = []
    middle: list[_Step] = []
    last: list[_Step] = []
    seen: set[str] = set()
    for _, x, y in _pairs(old, new, old_secs, new_secs):
        if x.tag in seen:
            raise _NotHandled(f"repeated <{x.tag}>")
        seen.add(x.tag)
        if x.tag == "Build":
            first += _plan_build(old, new, x, y, has_config)
        elif x.tag == "Config":
            middle.append(_Step("config", "config", (_raw(new, y),)))
        elif x.tag == "Party":
            middle += _plan_party(old, new, x, y)
        elif x.tag == "Items":
            middle += _plan_items(old, new, x, y)
        elif x.tag == "Skills":
            middle += _plan_skills(old, new, x, y)
        elif x.tag == "Tree":
            last += _plan_tree(old, new, x, y)  # PoB loads the tree after the items (jewels)
        elif x.tag in _PASSIVE_SECTIONS:
            middle.append(_Step(_PASSIVE_SECTIONS[x.tag], "passive", (x.tag, _raw(new, y)), recalc=False))
        else:
            raise _NotHandled(f"<{x.tag}> is not handled")
    return first + middle + last


def _reload(host: PobHost, handle: int | None, new_xml: str) -> UpdateOutcome:
    new_handle = host.load_build(new_xml)
    if handle is not None:
        host.free(handle)
    return UpdateOutcome(new_handle, "reload")


def update_build(host: PobHost, handle: int | None, old_xml: str | None, new_xml: str) -> UpdateOutcome:
    """Make a build object hold `new_xml`. Raises BuildLoadError; the old object is then kept,
    unless an in-place update had already failed half-way (then it is freed)."""
    if handle is None or old_xml is None:
        return _reload(host, handle, new_xml)
    if old_xml == new_xml:
        return UpdateOutcome(handle, "unchanged")
    try:
        steps = plan_update(old_xml, new_xml)
    except _NotHandled:
        return _reload(host, handle, new_xml)
    kinds: list[StepKind] = []
    try:
        for step in steps:
            taken = host.call(step.module, step.function, handle, *step.args) if step.function else None
            kinds.append(_step_kind(taken, step))  # a Lua update may name its path
        if any(s.recalc for s in steps):
            host.call("incremental", "recalcMain", handle)
    except EngineError:
        host.free(handle)  # half-updated: never reuse it
        return _reload(host, None, new_xml)
    return UpdateOutcome(handle, "incremental", tuple(dict.fromkeys(kinds)))


def _step_kind(taken: object, step: _Step) -> StepKind:
    """The path a Lua update says it took ("tree-alloc-full", ...), else the step's own kind. A name
    not in `StepKind` is a glue bug: the update is abandoned for a reload (the caller's fallback)."""
    if not isinstance(taken, str):
        return step.kind
    for kind in get_args(StepKind):
        if taken == kind:
            return cast(StepKind, kind)
    raise EngineError(f"glue {step.module}.{step.function} names an unknown update path {taken!r}")
