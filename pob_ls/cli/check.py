"""`pob-ls check PATH...`: the editor's diagnostics for build files on disk, for scripts and CI.

Same findings as the server (document + engine), computed through the same `EngineService`, each build
by the engine that fits its tree versions, with one worker process per job so that folders of builds are
checked in parallel.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from pob_ls.cli.check_baseline import (
    BaselineRun,
    BaselineUsageError,
    Threshold,
    add_baseline_arguments,
    baseline_usage_error,
)
from pob_ls.cli.check_report import Reported, as_json, as_sarif, as_text, exit_code
from pob_ls.document import PobDocument, parse_document
from pob_ls.engine.provisioning import EngineLayout
from pob_ls.server import analysis_bridge as analysis
from pob_ls.server.engine_link import engine_files
from pob_ls.server.engine_router import tree_versions
from pob_ls.server.settings import Settings

ROOT_SNIFF = 4096


def add_check_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check", help="report problems in builds (exit 0 clean, 1 warnings, 2 errors)"
    )
    add_check_arguments(parser)
    parser.set_defaults(func=cmd_check)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="build files, or folders to search")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--engine", help="PoB engine folder or installed version")
    parser.add_argument("--no-engine", action="store_true", help="only check the text (no PoB calculation)")
    parser.add_argument("--jobs", "-j", type=int, default=0, help="engine workers (default: CPUs, at most 4)")
    add_baseline_arguments(parser)


def build_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Files named, plus `*.pob` and PoB `*.xml` found in folders; and the paths that do not exist."""
    found: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for candidate in sorted(path.rglob("*")):
                if candidate.is_file() and _looks_like_build(candidate):
                    found.append(candidate)
        else:
            missing.append(raw)
    return list(dict.fromkeys(found)), missing


def _looks_like_build(path: Path) -> bool:
    if path.suffix.lower() == ".pob":
        return True
    if path.suffix.lower() != ".xml":
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(ROOT_SNIFF)
    except OSError:
        return False
    return b"<PathOfBuilding" in head


def _report(path: Path, doc: PobDocument, finding: Any) -> Reported:
    start, end = doc.source_line_index.range_to_lsp(doc.source_range(finding.range))
    return Reported(
        path,
        start.line + 1,
        start.character + 1,
        end.line + 1,
        end.character + 1,
        finding.severity,
        finding.code,
        finding.message,
        finding.source,
    )


async def _engine_findings(
    docs: dict[Path, PobDocument],
    engine: str | None,
    jobs: int,
    settings: Settings,
    baseline: BaselineRun | None = None,
) -> tuple[list[Reported], str | None, str | None]:
    """(findings, engine label(s), why there is no engine). Each build goes to the engine that fits its
    tree versions, as in the server (one engine for all when `--engine` or `$POB_LS_ENGINE` names one)."""
    from pob_ls.engine.provisioning import (
        ENGINE_ENV,
        EngineError,
        available_engines,
        choose_engine,
        find_engine,
        no_engine_message,
        unknown_trees,
    )

    try:
        fixed = find_engine(engine) if engine or os.environ.get(ENGINE_ENV) else None
        engines = [fixed] if fixed is not None else available_engines()
        if not engines:
            find_engine()  # raises, saying where it looked
    except EngineError as exc:
        return [], None, str(exc)
    out: list[Reported] = []
    groups: dict[Path, tuple[EngineLayout, dict[Path, PobDocument]]] = {}
    for path, doc in docs.items():
        if not doc.ok:
            continue
        trees = tree_versions(doc)
        layout = fixed or choose_engine(engines, trees)
        if layout is None:
            found = analysis.no_engine_findings(
                doc, no_engine_message(engines, trees), unknown_trees(engines, trees)
            )
            out.extend(_report(path, doc, f) for f in found)
            continue
        groups.setdefault(layout.root, (layout, {}))[1][path] = doc
    labels: list[str] = []
    for layout, todo in groups.values():
        label = f"PoB {layout.version}"
        labels.append(label)
        found_here, why = await _one_engine(layout, todo, jobs, settings, baseline)
        out.extend(found_here)
        if why is not None:
            return out, ", ".join(labels), f"{label} failed to start: {why}"
    return out, ", ".join(labels) or f"PoB {engines[0].version}", None


async def _one_engine(
    layout: EngineLayout,
    todo: dict[Path, PobDocument],
    jobs: int,
    settings: Settings,
    baseline: BaselineRun | None = None,
) -> tuple[list[Reported], str | None]:
    """The engine findings of the builds one engine computes; (findings, why it could not start)."""
    from pob_ls.engine.service import EngineRequestError, EngineService

    workers = max(1, min(jobs or min(4, os.cpu_count() or 1), len(todo) or 1))
    service = EngineService(engine_files(layout), workers=workers, debounce=0.0, load_deadline=120.0)
    try:
        await service.start()
    except EngineRequestError as exc:
        return [], str(exc)
    out: list[Reported] = []
    try:
        if baseline is not None:
            await baseline.validate(service)
    except BaselineUsageError:
        await service.stop()
        raise

    async def one(path: Path, doc: PobDocument) -> None:
        uri = path.resolve().as_uri()
        service.update(uri, 1, doc.text)
        try:
            _version, result = await service.result(uri)
        except EngineRequestError as exc:
            out.extend(_report(path, doc, f) for f in analysis.engine_error_findings(doc, exc.message))
            return
        finally:
            service.close(uri)
        found = analysis.engine_findings(doc, result, settings.analysis_settings())
        out.extend(_report(path, doc, f) for f in found)
        if baseline is not None:
            await baseline.compare(service, path, uri, result)

    try:
        await asyncio.gather(*(one(path, doc) for path, doc in todo.items()))
    finally:
        await service.stop()
    return out, None


def cmd_check(args: argparse.Namespace) -> int:
    return run_check(
        args.paths,
        output=args.format,
        engine=args.engine,
        use_engine=not args.no_engine,
        jobs=args.jobs,
        baseline=args.baseline,
        fail_on=args.fail_on,
    )


def run_check(
    paths: list[str],
    *,
    output: str = "text",
    engine: str | None = None,
    use_engine: bool = True,
    jobs: int = 0,
    baseline: str | None = None,
    fail_on: list[Threshold] | None = None,
) -> int:
    """Check build files (and folders of them); print the report in `output` format; the exit code.

    `baseline` (a git revision) compares each build with its version there; `fail_on` thresholds
    on those deltas become error findings."""
    thresholds = list(fail_on or [])
    usage = baseline_usage_error(baseline, thresholds, use_engine)
    if usage is not None:
        print(f"pob-ls: error: {usage}", file=sys.stderr)
        return 2
    files, missing = build_files(paths)
    for raw in missing:
        print(f"pob-ls: error: {raw}: no such file or folder", file=sys.stderr)
    docs: dict[Path, PobDocument] = {}
    findings: list[Reported] = []
    failed = bool(missing)
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            print(f"pob-ls: error: {path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            failed = True
            continue
        doc = docs[path] = parse_document(text)
        findings.extend(_report(path, doc, f) for f in analysis.document_findings(doc))
    label: str | None = None
    run = BaselineRun.read(baseline, thresholds, docs) if baseline else None
    if use_engine and docs:
        try:
            engine_found, label, why = asyncio.run(_engine_findings(docs, engine, jobs, Settings(), run))
        except BaselineUsageError as exc:
            print(f"pob-ls: error: {exc}", file=sys.stderr)
            return 2
        findings.extend(engine_found)
        findings.extend(run.findings(docs) if run else [])
        if why is not None:
            print(f"pob-ls: error: {why}", file=sys.stderr)
            failed = True
    findings.sort(key=lambda f: (str(f.path), f.line, f.column, f.code))
    extra = run.json_block() if run else None
    if output == "json":
        print(as_json(findings, list(docs), label, extra))
    elif output == "sarif":
        print(as_sarif(findings, label, extra))
    else:
        print(as_text(findings, len(docs), run.text_lines() if run else None))
    return exit_code(findings, failed)
