"""`pob-ls check --baseline REV [--fail-on "CombinedDPS<-5%"]`: each build against its version at REV.

The baseline text comes from git (`REV:PATH`, as `pob-ls diff` reads it) and is computed by the
same engine service as the build itself; the saved-stat deltas go into every output format, and a
threshold crossed is an error finding placed on the build's stored stat (or its `<Build>` line).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pob_ls.analysis.build_diff import stat_deltas, stat_number
from pob_ls.analysis.diff_model import StatDelta
from pob_ls.cli.check_report import Reported
from pob_ls.document import PobDocument, TextRange
from pob_ls.engine.messages import ListStatNames
from pob_ls.server.build_sources import BuildSourceError, git_source

_THRESHOLD = re.compile(
    r"^\s*(?P<stat>[A-Za-z][\w.]*)\s*(?P<op><=|>=|<|>)\s*(?P<value>[+-]?\d+(?:\.\d+)?)\s*(?P<pct>%)?\s*$"
)
THRESHOLD_CODE = "baseline-threshold"
UNAVAILABLE_CODE = "baseline-unavailable"


@dataclass(frozen=True)
class Threshold:
    """``STAT OP NUMBER[%]``: fails when the change (absolute, or in % of the baseline) is OP NUMBER."""

    stat: str
    op: str
    value: float
    percent: bool
    text: str

    def change(self, delta: StatDelta) -> float | None:
        """The change this threshold compares, or None when one side has no number for the stat."""
        old, new = stat_number(delta.old), stat_number(delta.new)
        if old is None or new is None:
            return None
        if not self.percent:
            return new - old
        return None if old == 0 else (new - old) / abs(old) * 100

    def crossed(self, delta: StatDelta) -> bool:
        change = self.change(delta)
        if change is None:
            return False
        return {
            "<": change < self.value,
            "<=": change <= self.value,
            ">": change > self.value,
            ">=": change >= self.value,
        }[self.op]


def parse_threshold(text: str) -> Threshold:
    """For argparse: a syntax error is a usage error."""
    match = _THRESHOLD.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected STAT<NUMBER, STAT>=NUMBER% ... (e.g. 'CombinedDPS<-5%' or 'Life<-200')"
        )
    return Threshold(
        match["stat"], match["op"], float(match["value"]), match["pct"] is not None, text.strip()
    )


def add_baseline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", metavar="REV", help="compare each build with its version at git REV")
    parser.add_argument(
        "--fail-on",
        metavar="THRESHOLD",
        action="append",
        type=parse_threshold,
        default=[],
        help="with --baseline: fail when a stat changes past this, e.g. 'CombinedDPS<-5%%' or 'Life<-200'",
    )


def baseline_usage_error(baseline: str | None, fail_on: list[Threshold], use_engine: bool) -> str | None:
    """Option combinations that cannot work, caught before any file is read."""
    if fail_on and not baseline:
        return "--fail-on needs --baseline REV"
    if baseline and not use_engine:
        return "--baseline needs the engine (drop --no-engine)"
    return None


def unknown_stats(thresholds: Iterable[Threshold], names: Mapping[str, Any]) -> list[str]:
    """Threshold stats that are neither player nor minion stats PoB saves."""
    known = {str(n) for key in ("player", "minion") for n in names.get(key) or []}
    return [t.stat for t in thresholds if t.stat not in known]


def read_baseline(path: Path, rev: str) -> PobDocument | str:
    """The file's text at ``rev`` (a document), or why it cannot be had."""
    try:
        return git_source(f"{rev}:./{path.name}", path.parent, label=f"{rev}:{path}").document
    except BuildSourceError as exc:
        return str(exc)


@dataclass
class BaselineOutcome:
    """One build's comparison: deltas when both sides computed, else why not."""

    rev: str
    deltas: list[StatDelta] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rev": self.rev, "error": self.error, "stats": [d.to_json() for d in self.deltas]}


def _place(path: Path, doc: PobDocument, span: TextRange | None) -> tuple[int, int, int, int]:
    span = doc.source_range(span or TextRange(0, 0))
    start, end = doc.source_line_index.range_to_lsp(span)
    return start.line + 1, start.character + 1, end.line + 1, end.character + 1


def outcome_findings(
    path: Path, doc: PobDocument, outcome: BaselineOutcome, thresholds: list[Threshold]
) -> list[Reported]:
    """A warning when the baseline is unavailable; an error for each threshold the build crosses."""
    build = doc.build
    if outcome.error is not None:
        where = _place(path, doc, build.start_tag_range if build else None)
        return [Reported(path, *where, "warning", UNAVAILABLE_CODE, outcome.error, "pob-ls")]
    out: list[Reported] = []
    for threshold in thresholds:
        for delta in outcome.deltas:
            if delta.stat != threshold.stat or not threshold.crossed(delta):
                continue
            stored = (build.minion_stat if delta.minion else build.player_stat)(delta.stat) if build else None
            span = stored.range if stored else (build.start_tag_range if build else None)
            change = threshold.change(delta)
            unit = "%" if threshold.percent else ""
            message = (
                f"{delta.stat} changed by {change:+.6g}{unit} since {outcome.rev} "
                f"({delta.old} -> {delta.new}); --fail-on {threshold.text}"
            )
            out.append(Reported(path, *_place(path, doc, span), "error", THRESHOLD_CODE, message, "pob-ls"))
    return out


def compare_results(rev: str, baseline: Mapping[str, Any], current: Mapping[str, Any]) -> BaselineOutcome:
    return BaselineOutcome(rev, stat_deltas(baseline, current))


def _shown(value: Any) -> str:
    number = stat_number(value)
    if number is None or number != number or abs(number) == float("inf"):
        return str(value)
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def text_lines(outcomes: Mapping[Path, BaselineOutcome]) -> list[str]:
    """Per build: what changed since the baseline, one saved stat per line."""
    lines: list[str] = []
    for path, outcome in sorted(outcomes.items(), key=lambda kv: str(kv[0])):
        if outcome.error is not None:
            lines.append(f"{path}: vs {outcome.rev}: no baseline: {outcome.error}")
            continue
        if not outcome.deltas:
            lines.append(f"{path}: vs {outcome.rev}: no stat changed")
            continue
        lines.append(f"{path}: vs {outcome.rev}: {len(outcome.deltas)} stats changed")
        for d in outcome.deltas:
            old, new = stat_number(d.old), stat_number(d.new)
            pct = f", {(new - old) / abs(old) * 100:+.1f}%" if old and new is not None else ""
            who = "minion " if d.minion else ""
            delta = (
                f"{stat_number(d.delta) or 0:+,.2f}".rstrip("0").rstrip(".") if d.delta is not None else "n/a"
            )
            lines.append(f"  {who}{d.stat}: {_shown(d.old)} -> {_shown(d.new)} ({delta}{pct})")
    return lines


def json_block(outcomes: Mapping[Path, BaselineOutcome]) -> dict[str, Any]:
    ordered = sorted(outcomes.items(), key=lambda kv: str(kv[0]))
    return {str(path): outcome.to_json() for path, outcome in ordered}


class BaselineUsageError(Exception):
    """A threshold naming a stat PoB does not save: a usage error, reported before any build runs."""


# The smallest build PoB loads: enough to ask the engine which stat names exist.
_PROBE_XML = (
    '<PathOfBuilding><Build level="1" className="Scion" ascendClassName="None" targetVersion="3_0"/>'
    "</PathOfBuilding>"
)
_PROBE_URI = "pob-ls:check/stat-names"


@dataclass
class BaselineRun:
    """`check --baseline`: the baselines read from git, and each build's outcome once computed."""

    rev: str
    thresholds: list[Threshold]
    baselines: dict[Path, PobDocument | str] = field(default_factory=dict)
    outcomes: dict[Path, BaselineOutcome] = field(default_factory=dict)

    @classmethod
    def read(cls, rev: str, thresholds: list[Threshold], paths: Iterable[Path]) -> BaselineRun:
        run = cls(rev, thresholds)
        for path in paths:
            run.baselines[path] = read_baseline(path, rev)
        return run

    async def validate(self, service: Any) -> None:
        """Raise `BaselineUsageError` when a threshold names a stat the engine does not know."""
        if not self.thresholds:
            return
        service.update(_PROBE_URI, 1, _PROBE_XML)
        try:
            names = await service.ask(_PROBE_URI, ListStatNames())
        finally:
            service.close(_PROBE_URI)
        unknown = unknown_stats(self.thresholds, names if isinstance(names, dict) else {})
        if unknown:
            raise BaselineUsageError(
                f"--fail-on: unknown stat {', '.join(dict.fromkeys(unknown))} (names are PoB's saved "
                "<PlayerStat>/<MinionStat> names, e.g. CombinedDPS, Life, TotalEHP)"
            )

    async def compare(self, service: Any, path: Path, uri: str, current: Mapping[str, Any]) -> None:
        """Compute the baseline of ``path`` in the same service and keep its deltas against ``current``."""
        from pob_ls.engine.service import EngineRequestError

        baseline = self.baselines.get(path)
        if baseline is None:
            return
        if isinstance(baseline, str):
            self.outcomes[path] = BaselineOutcome(self.rev, error=baseline)
            return
        if not baseline.ok:
            self.outcomes[path] = BaselineOutcome(self.rev, error=f"{self.rev}:{path}: not a readable build")
            return
        baseline_uri = f"{uri}#baseline"
        service.update(baseline_uri, 1, baseline.text)
        try:
            _version, result = await service.result(baseline_uri)
        except EngineRequestError as exc:
            message = " ".join(exc.message.split())
            self.outcomes[path] = BaselineOutcome(self.rev, error=f"{self.rev}:{path}: {message}")
            return
        finally:
            service.close(baseline_uri)
        self.outcomes[path] = compare_results(self.rev, result, current)

    def text_lines(self) -> list[str]:
        return text_lines(self.outcomes)

    def json_block(self) -> dict[str, Any]:
        return {
            "rev": self.rev,
            "thresholds": [t.text for t in self.thresholds],
            "builds": json_block(self.outcomes),
        }

    def findings(self, docs: Mapping[Path, PobDocument]) -> list[Reported]:
        out: list[Reported] = []
        for path, outcome in self.outcomes.items():
            out.extend(outcome_findings(path, docs[path], outcome, self.thresholds))
        return out
