"""`pob-ls engine install|update|list|where|remove`: manage PoB engines from the command line.

Every handler returns an exit code; engine problems become one `pob-ls: error: ...` line and exit 2,
never a traceback. Also runnable alone: `python -m pob_ls.cli.engine engine install --from PATH`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from pob_ls.engine.provisioning import (
    RELEASES_URL_ENV,
    EngineError,
    EngineLayout,
    dedupe,
    find_engine,
    install_engine,
    install_latest,
    is_verified,
    list_engines,
    read_install_record,
    remove_engine,
    system_engines,
)

Handler = Callable[[argparse.Namespace], int]
ERROR_EXIT = 2
LATEST = "latest"


def add_engine_subcommands(subparsers: Any) -> argparse.ArgumentParser:
    """Add `engine` with its sub-commands to a parent's `add_subparsers()`; dispatch is `args.func(args)`."""
    engine: argparse.ArgumentParser = subparsers.add_parser(
        "engine", help="install, list, locate or remove PoB engines"
    )
    engine.set_defaults(func=lambda _args: _usage(engine))
    actions = engine.add_subparsers(dest="engine_command", metavar="{install,update,list,where,remove}")

    install = actions.add_parser("install", help="install a PoB engine (default: the pinned version)")
    install.add_argument(
        "version",
        nargs="?",
        help="PoB version, e.g. 2.63.0, or `latest` for the newest release (default: the pinned one)",
    )
    install.add_argument(
        "--from",
        dest="source",
        metavar="PATH_OR_ARCHIVE",
        help="a PoB folder, an installed PoB, a .tar.gz/.zip archive or a URL (default: download)",
    )
    _releases_option(install)
    install.set_defaults(func=_guarded(cmd_install))

    update = actions.add_parser("update", help="install the newest PoB release if it is newer than ours")
    _releases_option(update)
    update.set_defaults(func=_guarded(cmd_update))

    listing = actions.add_parser("list", help="list installed engines")
    listing.set_defaults(func=_guarded(cmd_list))

    where = actions.add_parser("where", help="show which engine pob-ls would use, and why")
    where.add_argument("--engine", help="a PoB folder or an installed version")
    where.set_defaults(func=_guarded(cmd_where))

    remove = actions.add_parser("remove", help="delete an installed engine")
    remove.add_argument("version")
    remove.set_defaults(func=_guarded(cmd_remove))
    return engine


def _releases_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--releases-url",
        metavar="URL",
        help=f"the releases API to ask for the newest release (default: ${RELEASES_URL_ENV}, else GitHub)",
    )


def cmd_install(args: argparse.Namespace) -> int:
    if args.version == LATEST and args.source is None:
        outcome = install_latest(url=args.releases_url, progress=ProgressBar(sys.stderr))
        assert outcome.layout is not None
        _print_installed(outcome.layout)
        return 0
    version = None if args.version == LATEST else args.version  # `latest --from X`: whatever X holds
    layout = install_engine(version, args.source, progress=ProgressBar(sys.stderr))
    _print_installed(layout)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    outcome = install_latest(only_if_newer=True, url=args.releases_url, progress=ProgressBar(sys.stderr))
    if outcome.layout is None:
        print(
            f"up to date: the newest release is PoB {outcome.release.version} "
            f"and PoB {outcome.newest_before} is installed"
        )
        return 0
    before = f" (was PoB {outcome.newest_before})" if outcome.newest_before else ""
    print(f"updated to PoB {outcome.release.version}{before}")
    _print_installed(outcome.layout)
    return 0


def _print_installed(layout: EngineLayout) -> None:
    record = read_install_record(layout.root) or {}
    print(f"installed PoB {layout.version} in {layout.root}")
    if not is_verified(record):
        print(
            f"  UNVERIFIED: pob-ls has no pin for PoB {layout.version}, so none of its files were checked "
            "against a known-good manifest (external/README.md says how to pin it)"
        )
    print(f"  tree versions: {layout.tree_range}")
    unverified = record.get("unverified", [])
    print(f"  verified: {record.get('verified', 0)} files")
    if unverified:
        shown = ", ".join(unverified[:3]) + (", ..." if len(unverified) > 3 else "")
        print(f"  unverified (not in the pinned manifest): {len(unverified)} ({shown})")
    if record.get("missing"):
        print(f"  missing: {len(record['missing'])} files the pinned manifest lists")
    if layout.missing_tree_versions:
        print(f"  missing tree versions: {', '.join(layout.missing_tree_versions)}")


def cmd_list(_args: argparse.Namespace) -> int:
    installed = list_engines()
    ours = {e.root for e in installed}
    found = [e for e in system_engines() if e.root not in ours]
    if not installed and not found:
        print("no engines installed; run `pob-ls engine install`", file=sys.stderr)
        return 0
    newest = dedupe([*installed, *found])[0].version
    for layout in [*installed, *found]:
        print("\t".join(_list_row(layout, newest)))
    return 0


def _list_row(layout: EngineLayout, newest: str) -> list[str]:
    """version, folder, notes: tree range, verified or not, newest, file counts (editors split on tabs)."""
    record = read_install_record(layout.root)
    if layout.source == "system":
        state = "found on this machine, used read-only, not verified by pob-ls"
    else:
        state = "verified" if is_verified(record) else "UNVERIFIED"
    notes = [f"trees {layout.tree_range}", state, *(["newest"] if layout.version == newest else [])]
    if layout.source != "system":
        notes.append(_summary(layout))
    return [layout.version, str(layout.root), "; ".join(notes)]


def cmd_where(args: argparse.Namespace) -> int:
    layout = find_engine(args.engine)
    print(layout.root)
    print(
        f"  version {layout.version}, trees {layout.tree_range}, "
        f"found via {layout.source}, {layout.kind} layout",
        file=sys.stderr,
    )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    removed = remove_engine(args.version)
    print(f"removed {removed}")
    return 0


def _summary(layout: EngineLayout) -> str:
    record = read_install_record(layout.root) or {}
    parts = [f"{record.get('verified', 0)} files checked"]
    if record.get("unverified"):
        parts.append(f"unverified {len(record['unverified'])}")
    if layout.missing_tree_versions:
        parts.append(f"missing trees {','.join(layout.missing_tree_versions)}")
    return "; ".join(parts)


def _guarded(handler: Handler) -> Handler:
    """Turn engine errors into one line on stderr and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except EngineError as exc:
            print(f"pob-ls: error: {exc}", file=sys.stderr)
            return ERROR_EXIT
        except KeyboardInterrupt:
            print("pob-ls: error: interrupted", file=sys.stderr)
            return ERROR_EXIT

    return run


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print("pob-ls: error: choose an engine command: install, update, list, where or remove", file=sys.stderr)
    return ERROR_EXIT


class ProgressBar:
    """Download progress on stderr: a bar on a terminal, else a plain line per quarter (logs, CI, tests)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self._last = 0.0
        self._step = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not self.tty:
            self._plain(done, total)
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if now - self._last < 0.1 and not finished:
            return
        self._last = now
        mib = done / (1 << 20)
        if total:
            filled = int(self.width * done / total)
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"\rdownloading [{bar}] {100 * done // total:3d}% {mib:.1f}/{total / (1 << 20):.1f} MiB"
        else:
            line = f"\rdownloading {mib:.1f} MiB"
        self.stream.write(line + ("\n" if finished else ""))
        self.stream.flush()

    def _plain(self, done: int, total: int | None) -> None:
        step = 4 * done // total if total else done // (16 << 20)
        if step == self._step:
            return
        self._step = step
        mib = done / (1 << 20)
        size = f"{mib:.1f} MiB"
        if total:
            size = f"{mib:.1f}/{total / (1 << 20):.1f} MiB ({100 * done // total}%)"
        self.stream.write(f"downloading: {size}\n")
        self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point, for set-up scripts that run before `pob-ls` itself is wired up."""
    parser = argparse.ArgumentParser(prog="pob-ls")
    add_engine_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
