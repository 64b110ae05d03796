"""The "pob" settings: from `workspace/configuration` or, for clients without it, initializationOptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HINT_KINDS = ("build", "groups", "stats")
WARNING_DEFAULTS = {"unsupportedMods": True, "inactiveConfig": True}


@dataclass(frozen=True)
class Settings:
    """What the user can change; unknown or ill-typed values fall back to the defaults."""

    engine: str | None = None
    debounce_ms: float = 150.0
    hints: frozenset[str] = frozenset(HINT_KINDS)
    warnings: dict[str, bool] = field(
        default_factory=lambda: {"unsupportedMods": True, "inactiveConfig": True}
    )

    @property
    def debounce(self) -> float:
        return self.debounce_ms / 1000.0

    def analysis_settings(self) -> dict[str, Any]:
        """The shape `engine_findings(..., settings=)` reads."""
        return {"warnings": dict(self.warnings)}


def _flag(section: Any, key: str, default: bool) -> bool:
    if isinstance(section, dict) and isinstance(section.get(key), bool):
        return bool(section[key])
    return default


def parse_settings(raw: Any) -> Settings:
    """Settings from a client's JSON; anything malformed keeps its default rather than failing."""
    if not isinstance(raw, dict):
        return Settings()
    if isinstance(raw.get("pob"), dict):  # initializationOptions may nest the section
        raw = raw["pob"]
    engine = raw.get("engine")
    debounce = raw.get("debounce")
    hints = raw.get("hints")
    warnings = raw.get("warnings")
    defaults = Settings()
    return Settings(
        engine=engine if isinstance(engine, str) and engine.strip() else None,
        debounce_ms=(
            float(debounce)
            if isinstance(debounce, int | float) and not isinstance(debounce, bool) and 0 <= debounce <= 10000
            else defaults.debounce_ms
        ),
        hints=frozenset(kind for kind in HINT_KINDS if _flag(hints, kind, True)),
        warnings={key: _flag(warnings, key, value) for key, value in defaults.warnings.items()},
    )
