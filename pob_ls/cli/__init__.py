"""`pob-ls`: serve the language server, print a build's stats, check builds, manage engines.

Every command returns an exit code; user errors are one `pob-ls: error: ...` line naming the
file and the cause, never a traceback. One module per command (`serve`, `stats`, `check`,
`engine`); each adds its sub-parser and turns the parsed arguments into plain arguments for a
function of the layers below.
"""

from __future__ import annotations

import argparse
import os
import sys

from pob_ls import __version__
from pob_ls.cli.check import add_check_command
from pob_ls.cli.diff import add_diff_command
from pob_ls.cli.engine import add_engine_subcommands
from pob_ls.cli.errors import ERROR_EXIT, UserError
from pob_ls.cli.serve import add_serve_command
from pob_ls.cli.stats import add_stats_command
from pob_ls.engine.provisioning import EngineError

__all__ = ["ERROR_EXIT", "UserError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pob-ls", description="Path of Building language server and tools")
    parser.add_argument("--version", action="version", version=f"pob-ls {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{serve,stats,check,diff,engine}")
    add_stats_command(sub)
    add_serve_command(sub)
    add_check_command(sub)
    add_diff_command(sub)
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
