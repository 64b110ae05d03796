"""`pob-ls check` output: text lines, JSON, or SARIF 2.1.0 for code-scanning tools.

Lines and columns are 1-based; columns count UTF-16 code units like LSP (SARIF's default kind).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pob_ls import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


@dataclass(frozen=True)
class Reported:
    """One finding placed in a file."""

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str
    code: str
    message: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "line": self.line,
            "column": self.column,
            "endLine": self.end_line,
            "endColumn": self.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "source": self.source,
        }


def exit_code(findings: list[Reported], failed: bool = False) -> int:
    """0: nothing above information; 1: warnings only; 2: an error, or a file/engine failure."""
    if failed or any(f.severity == "error" for f in findings):
        return 2
    return 1 if any(f.severity == "warning" for f in findings) else 0


def as_text(findings: list[Reported], files: int, baseline: list[str] | None = None) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.severity}: {f.message} [{f.code}]" for f in findings]
    lines.extend(baseline or [])
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SARIF_LEVELS}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no problems"
    lines.append(f"{files} build file{'s' if files != 1 else ''} checked: {summary}")
    return "\n".join(lines)


def as_json(
    findings: list[Reported], files: list[Path], engine: str | None, baseline: dict[str, Any] | None = None
) -> str:
    out: dict[str, Any] = {
        "engine": engine,
        "files": [str(p) for p in files],
        "findings": [f.to_json() for f in findings],
        "exitCode": exit_code(findings),
    }
    if baseline is not None:
        out["baseline"] = baseline
    return json.dumps(out, indent=2, ensure_ascii=False)


def as_sarif(findings: list[Reported], engine: str | None, baseline: dict[str, Any] | None = None) -> str:
    rules = sorted({f.code for f in findings})
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": rules.index(f.code),
            "level": SARIF_LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path.resolve().as_uri()},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
        }
        for f in findings
    ]
    driver: dict[str, Any] = {
        "name": "pob-ls",
        "version": __version__,
        "informationUri": "https://pathofbuilding.community/",
        "rules": [{"id": code} for code in rules],
    }
    if engine:
        driver["properties"] = {"engine": engine}
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results}
    if baseline is not None:
        run["properties"] = {"baseline": baseline}
    log = {"version": "2.1.0", "$schema": SARIF_SCHEMA, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False)
