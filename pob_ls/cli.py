"""`pob-ls`: serve the language server, print a build's stats, check builds, manage engines.

Every command returns an exit code; user errors are one `pob-ls: error: ...` line naming the
file and the cause, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pob_ls import __version__
from pob_ls.engine.cli_engine import add_engine_subcommands
from pob_ls.engine.layout import EngineError

ERROR_EXIT = 2


class UserError(Exception):
    """A problem with what the user gave us; printed as one line."""


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


def cmd_stats(args: argparse.Namespace) -> int:
    from pob_ls.engine.discovery import find_engine
    from pob_ls.engine.host import BuildLoadError, PobHost

    path = Path(args.file)
    xml = read_build_file(path)
    engine = find_engine(args.engine)
    host = PobHost(engine)
    try:
        handle = host.load_build(xml, path.stem)
    except BuildLoadError as exc:
        raise UserError(f"{path}: {exc}") from exc
    result = host.result(handle)
    if args.json:
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


def cmd_serve(args: argparse.Namespace) -> int:
    from pob_ls.server.app import serve

    return serve(args.tcp, args.log_level)


def cmd_check(args: argparse.Namespace) -> int:
    from pob_ls.server.check import run_check

    return run_check(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pob-ls", description="Path of Building language server and tools")
    parser.add_argument("--version", action="version", version=f"pob-ls {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{serve,stats,check,diff,engine}")

    stats = sub.add_parser("stats", help="print a build's stats as PoB computes them")
    stats.add_argument("file", help="a .pob/.xml build file, or a file holding a share code")
    stats.add_argument("--engine", help="PoB engine folder or installed version")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of a stat sheet")
    stats.set_defaults(func=cmd_stats)

    serve = sub.add_parser("serve", help="run the language server (stdio unless --tcp)")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for editors)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead of stdio")
    serve.add_argument("--log-level", default="WARNING", help="stderr log level (default WARNING)")
    serve.set_defaults(func=cmd_serve)

    from pob_ls.server.check import add_check_arguments

    check = sub.add_parser("check", help="report problems in builds (exit 0 clean, 1 warnings, 2 errors)")
    add_check_arguments(check)
    check.set_defaults(func=cmd_check)

    from pob_ls.diff_command import add_diff_arguments, run_diff

    diff = sub.add_parser("diff", help="what changed between two builds (OLD NEW, REV:PATH, or PATH vs HEAD)")
    add_diff_arguments(diff)
    diff.set_defaults(func=run_diff)

    add_engine_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ERROR_EXIT
    try:
        code: int = args.func(args)
        return code
    except (UserError, EngineError) as exc:
        print(f"pob-ls: error: {exc}", file=sys.stderr)
        return ERROR_EXIT
    except KeyboardInterrupt:
        print("pob-ls: error: interrupted", file=sys.stderr)
        return ERROR_EXIT
    except BrokenPipeError:
        # The reader went away (`pob-ls stats x | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
