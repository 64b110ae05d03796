"""Compact number formats for inlay hints and lenses, where PoB's full text is too long."""

from __future__ import annotations

import math
from typing import Any


def compact(value: Any) -> str:
    """1234 -> 1,234; 45_200 -> 45.2k; 555_438_392 -> 555.4M; inf stays inf."""
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    sign = "-" if value < 0 else ""
    v = abs(value)
    for threshold, unit, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e5, 1e3, "k")):
        if v >= threshold:
            return f"{sign}{v / unit:.1f}{suffix}"
    if v >= 100 or float(v).is_integer():
        return f"{sign}{v:,.0f}"
    return f"{sign}{v:.2f}"
