"""`pob-ls stats FILE`: a build's stats as PoB computes them, as a sheet or as JSON.

Runs PoB in this process (no worker): one build, one answer, then exit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pob_ls.cli.errors import UserError


def add_stats_command(subparsers: Any) -> None:
    stats = subparsers.add_parser("stats", help="print a build's stats as PoB computes them")
    stats.add_argument("file", help="a .pob/.xml build file, or a file holding a share code")
    stats.add_argument("--engine", help="PoB engine folder or installed version")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of a stat sheet")
    stats.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    return print_stats(Path(args.file), args.engine, as_json=args.json)


def read_build_file(path: Path) -> str:
    """The build XML in a `.pob`/`.xml` file, or decoded from the share code it holds."""
    from pob_ls.document import parse_document

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    text = raw.decode("utf-8", errors="replace")
    doc = parse_document(text)
    fatal = [e for e in doc.errors if e.severity == "error"]
    if fatal:
        err = fatal[0]
        pos = doc.source_line_index.position(doc.source_range(err.range).start)
        raise UserError(f"{path}:{pos.line + 1}:{pos.character + 1}: {err.message}")
    return doc.text


def _format_sheet(result: Any, engine: Any) -> str:
    lines = []
    b = result
    title = " ".join(x for x in (b.ascend_class_name or b.class_name, f"level {b.level}") if x)
    lines.append(f"{title} — tree {b.tree_version} — main skill: {b.main_skill or 'none'}")
    lines.append(f"(PoB {engine.version})")
    width = max((len(label) for label, _ in result.sidebar), default=20)
    for label, value in result.sidebar:
        if not label and not value:
            if lines[-1] != "":
                lines.append("")
            continue
        lines.append(f"{label:<{width}} {value}" if value else label)
    if result.warnings:
        lines.append("")
        lines.append("Warnings:")
        lines.extend(f"  {w}" for w in result.warnings)
    return "\n".join(lines)


def print_stats(path: Path, engine_spec: str | None, *, as_json: bool) -> int:
    from pob_ls.engine.host import BuildLoadError, PobHost
    from pob_ls.engine.provisioning import find_engine

    xml = read_build_file(path)
    engine = find_engine(engine_spec)
    host = PobHost(engine)
    try:
        handle = host.load_build(xml, path.stem)
    except BuildLoadError as exc:
        raise UserError(f"{path}: {exc}") from exc
    result = host.result(handle)
    if as_json:
        result.timings["boot_seconds"] = host.boot.boot_seconds
        out: dict[str, Any] = {
            "engine": {"version": engine.version, "path": str(engine.root)},
            "file": str(path),
        }
        out.update(result.to_json())
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_format_sheet(result, engine))
    return 0
