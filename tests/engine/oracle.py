"""The real builds in ../shared/builds whose saved stats PoB reproduces exactly, per engine version."""

from __future__ import annotations

import math
import re
from pathlib import Path

_ROW = re.compile(r"^\|\s*([^|]+?\.xml)\s*\|\s*([\d.]+)\s*\|([^|]*)\|")
_STAT = re.compile(r"<(PlayerStat|MinionStat)\s([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def oracle_builds(builds_dir: Path) -> dict[str, list[Path]]:
    """version -> builds the README marks 'reproduced exactly' on that version."""
    out: dict[str, list[Path]] = {}
    for line in (builds_dir / "README.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m and "reproduced exactly" in m.group(3):
            out.setdefault(m.group(2), []).append(builds_dir / m.group(1))
    return out


def saved_stats(xml: str) -> dict[str, dict[str, str]]:
    """First occurrence of each saved stat, as the README's oracle rule says."""
    out: dict[str, dict[str, str]] = {"PlayerStat": {}, "MinionStat": {}}
    for tag, attrs in _STAT.findall(xml):
        a = dict(_ATTR.findall(attrs))
        out[tag].setdefault(a["stat"], a["value"])
    return out


def close(expected: str, got: float) -> bool:
    exp = float(expected)
    if math.isnan(exp):
        return math.isnan(got)
    if math.isinf(exp) or math.isinf(got):
        return exp == got
    return exp == got or abs(got - exp) <= 1e-6 * max(abs(exp), abs(got))
