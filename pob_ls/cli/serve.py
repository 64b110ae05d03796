"""`pob-ls serve`: run the language server on stdio or a TCP port."""

from __future__ import annotations

import argparse
from typing import Any


def add_serve_command(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the language server (stdio unless --tcp)")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for editors)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead of stdio")
    serve.add_argument("--log-level", default="WARNING", help="stderr log level (default WARNING)")
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    return run_serve(args.tcp, args.log_level)


def run_serve(tcp: str | None, log_level: str) -> int:
    from pob_ls.server.app import serve

    return serve(tcp, log_level)
