"""Text edits of a build, each the kind a user makes, chosen by small integers (hypothesis draws them)."""

from __future__ import annotations

import re
from collections.abc import Callable

Edit = Callable[[str, int, int], str]


def _nth(matches: list[re.Match[str]], k: int) -> re.Match[str] | None:
    return matches[k % len(matches)] if matches else None


def _sub_at(text: str, m: re.Match[str], group: int, value: str) -> str:
    return text[: m.start(group)] + value + text[m.end(group) :]


def config_toggle(text: str, k: int, v: int) -> str:
    m = _nth(list(re.finditer(r'<Input name="\w+" boolean="(true|false)"', text)), k)
    return _sub_at(text, m, 1, "false" if m.group(1) == "true" else "true") if m else text


def config_number(text: str, k: int, v: int) -> str:
    m = _nth(list(re.finditer(r'<Input name="\w+" number="(-?\d+(?:\.\d+)?)"', text)), k)
    return _sub_at(text, m, 1, str(int(float(m.group(1))) + v % 7 + 1)) if m else text


def _gem_attr(text: str, k: int, attr: str) -> tuple[re.Match[str] | None, str]:
    m = _nth(list(re.finditer(rf'<Gem [^>]*?\b{attr}="([^"]*)"', text)), k)
    return m, m.group(1) if m else ""


def gem_level(text: str, k: int, v: int) -> str:
    m, old = _gem_attr(text, k, "level")
    return _sub_at(text, m, 1, str(1 + v % 21)) if m and old.isdigit() else text


def gem_quality(text: str, k: int, v: int) -> str:
    m, old = _gem_attr(text, k, "quality")
    return _sub_at(text, m, 1, str(v % 24)) if m and old.isdigit() else text


def gem_enabled(text: str, k: int, v: int) -> str:
    m, old = _gem_attr(text, k, "enabled")
    return _sub_at(text, m, 1, "false" if old == "true" else "true") if m else text


def item_line(text: str, k: int, v: int) -> str:
    """Change the first number of one mod line of one item (lines starting with +N or N)."""
    lines = list(re.finditer(r"^\s*\+?(\d+)(?=[% ])", text, re.M))
    items = [(i.start(), i.end()) for i in re.finditer(r"<Item [^>]*>.*?</Item>", text, re.S)]
    lines = [m for m in lines if any(a < m.start() < b for a, b in items)]
    m = _nth(lines, k)
    return _sub_at(text, m, 1, str(int(m.group(1)) + v % 9 + 1)) if m else text


def _nodes(text: str) -> re.Match[str] | None:
    spec = re.search(r'<Spec [^>]*?\bnodes="([\d,]*)"', text)
    return spec


def passive_remove(text: str, k: int, v: int) -> str:
    m = _nodes(text)
    if not m:
        return text
    ids = m.group(1).split(",")
    del ids[k % len(ids)]
    return _sub_at(text, m, 1, ",".join(ids))


def passive_add(text: str, k: int, v: int) -> str:
    """Allocate a node of another build (connected or not: PoB prunes what is not)."""
    m = _nodes(text)
    if not m:
        return text
    ids = m.group(1).split(",")
    if not NODE_POOL:
        return text
    new = str(NODE_POOL[k % len(NODE_POOL)])
    return text if new in ids else _sub_at(text, m, 1, ",".join([*ids, new]))


# Node ids to allocate: the test fills it with the nodes of the other builds (same tree version).
NODE_POOL: list[int] = []


def character_level(text: str, k: int, v: int) -> str:
    m = re.search(r'<Build [^>]*?\blevel="(\d+)"', text)
    return _sub_at(text, m, 1, str(1 + (k * 7 + v) % 100)) if m else text


def main_socket_group(text: str, k: int, v: int) -> str:
    m = re.search(r'<Build [^>]*?\bmainSocketGroup="(\d+)"', text)
    count = len(re.findall(r"<Skill ", text))
    return _sub_at(text, m, 1, str(1 + k % max(count, 1))) if m else text


BANDITS = ("None", "Alira", "Kraityn", "Oak")


def bandit(text: str, k: int, v: int) -> str:
    choice = BANDITS[k % len(BANDITS)]
    m = re.search(r'<Input name="bandit" string="(\w*)"', text)
    if m:
        return _sub_at(text, m, 1, choice)
    m = re.search(r"<ConfigSet [^>]*>", text)
    if not m:
        return text
    return text[: m.end()] + f'\n\t\t\t<Input name="bandit" string="{choice}"/>' + text[m.end() :]


def notes(text: str, k: int, v: int) -> str:
    m = re.search(r"<Notes>", text) or re.search(r"<Notes/>", text)
    if not m:
        return text
    if m.group(0) == "<Notes/>":
        return text[: m.start()] + f"<Notes>note {k}</Notes>" + text[m.end() :]
    return text[: m.end()] + f"note {k} " + text[m.end() :]


EDITS: dict[str, Edit] = {
    "config_toggle": config_toggle,
    "config_number": config_number,
    "gem_level": gem_level,
    "gem_quality": gem_quality,
    "gem_enabled": gem_enabled,
    "item_line": item_line,
    "passive_remove": passive_remove,
    "passive_add": passive_add,
    "character_level": character_level,
    "main_socket_group": main_socket_group,
    "bandit": bandit,
    "notes": notes,
}
