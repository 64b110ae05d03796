"""`pob-ls diff OLD [NEW]`: what an edit did to a build, in PoB's numbers and by name.

OLD and NEW are each a build file, a file holding a share code, or `REV:PATH` (a git object, as
`git show` takes it); `pob-ls diff PATH` compares PATH with its version at HEAD. Both builds are
computed in one booted PoB, the way `pob-ls stats --json` computes one. `--textconv FILE` prints a
stable text rendering of one build, for git's `diff.<driver>.textconv`.

Every failure is one `pob-ls: error: WHAT: cause` line naming the file or revision, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pob_ls.analysis.build_diff import diff_builds
from pob_ls.analysis.diff_model import DiffSide, NodeInfo
from pob_ls.analysis.diff_text import render_build, render_diff
from pob_ls.document import PobDocument
from pob_ls.engine.provisioning import EngineError
from pob_ls.server.build_sources import (
    BuildSource,
    BuildSourceError,
    file_source,
    head_source,
    parse_source,
    resolve_source,
)

ERROR_EXIT = 2


class DiffInputError(Exception):
    """A usage error, or a build that cannot be loaded; printed as one line."""


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old",
        metavar="OLD",
        help="build file, share-code file, or REV:PATH; alone: a file compared with HEAD",
    )
    parser.add_argument("new", metavar="NEW", nargs="?", help="build file, share-code file, or REV:PATH")
    parser.add_argument("--json", action="store_true", help="one JSON object: old, new, stats, changes")
    parser.add_argument("--engine", help="PoB engine folder or installed version")
    parser.add_argument(
        "--textconv", action="store_true", help="print one build (OLD) as stable text, for git's textconv"
    )


def add_diff_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff", help="what changed between two builds (OLD NEW, REV:PATH, or PATH vs HEAD)"
    )
    add_diff_arguments(parser)
    parser.set_defaults(func=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    return run_diff(args.old, args.new, engine=args.engine, as_json=args.json, textconv=args.textconv)


def run_diff(
    old_arg: str,
    new_arg: str | None = None,
    *,
    engine: str | None = None,
    as_json: bool = False,
    textconv: bool = False,
) -> int:
    """The command: exit 0 when it ran, 2 with one error line otherwise."""
    try:
        if textconv:
            if new_arg is not None or as_json:
                raise DiffInputError("--textconv takes one FILE and no --json")
            return _textconv(Path(old_arg), engine)
        cwd = Path.cwd()
        if new_arg is None:
            new = file_source(Path(old_arg))
            old = head_source(Path(old_arg))
        else:
            old, new = resolve_source(old_arg, cwd), resolve_source(new_arg, cwd)
        return _diff(old, new, engine, as_json)
    except (DiffInputError, BuildSourceError, EngineError) as exc:
        print(f"pob-ls: error: {_one_line(str(exc))}", file=sys.stderr)
        return ERROR_EXIT


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip()) or "unknown error"


# -- engine --------------------------------------------------------------------------------


def compute_side(host: Any, source: BuildSource, side: str) -> DiffSide:
    """Load one build and read what the diff needs: its stats result, node names, config labels."""
    from pob_ls.engine.host import BuildLoadError

    try:
        handle = host.load_build(source.document.text, Path(source.label).stem or "build")
    except BuildLoadError as exc:
        raise DiffInputError(f"{source.label} ({side} build): {exc}") from exc
    try:
        result = host.result(handle)
        result.timings["boot_seconds"] = host.boot.boot_seconds
        stats: dict[str, Any] = {
            "engine": {"version": host.files.version, "path": str(host.files.root)},
            "file": source.label,
        }
        stats.update(result.to_json())
        nodes = _node_infos(host, handle, source.document)
    finally:
        host.free(handle)
    return DiffSide(source.document, stats, nodes, _config_labels(host))


def _node_infos(host: Any, handle: int, document: PobDocument) -> dict[int, NodeInfo]:
    spec = document.tree.active() if document.tree else None
    if spec is None:
        return {}
    ids = sorted({*spec.node_ids, *(s.node_id for s in spec.sockets if s.node_id is not None)})
    out: dict[int, NodeInfo] = {}
    for row in host.node_rows(handle, ids):
        stats = row.get("stats")
        out[int(row["id"])] = NodeInfo(
            str(row.get("name") or ""),
            str(row.get("type") or ""),
            tuple(str(s) for s in stats) if isinstance(stats, list) else (),
        )
    return out


def _config_labels(host: Any) -> dict[str, str]:
    """Config input names to the labels PoB's config tab shows (a few ms: read per build, not cached)."""
    options = host.catalog().get("config")
    return {str(c["name"]): str(c.get("label") or c["name"]) for c in options or [] if c.get("name")}


def compare(host: Any, old: BuildSource, new: BuildSource) -> tuple[DiffSide, DiffSide]:
    """Both sides computed in one host (the old one first, so its load error names it)."""
    return compute_side(host, old, "old"), compute_side(host, new, "new")


def diff_json(old: DiffSide, new: DiffSide) -> dict[str, Any]:
    diff = diff_builds(old, new)
    return {
        "old": dict(old.stats),
        "new": dict(new.stats),
        "stats": [s.to_json() for s in diff.stats],
        "changes": [c.to_json() for c in diff.changes],
    }


def diff_text(old: DiffSide, new: DiffSide, old_label: str, new_label: str) -> str:
    return render_diff(diff_builds(old, new), old_label, new_label, old.stats, new.stats)


def _boot(engine: str | None) -> Any:
    from pob_ls.engine.host import PobHost
    from pob_ls.engine.provisioning import find_engine

    return PobHost(find_engine(engine))


def _diff(old: BuildSource, new: BuildSource, engine: str | None, as_json: bool) -> int:
    host = _boot(engine)
    a, b = compare(host, old, new)
    if as_json:
        json.dump(diff_json(a, b), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(diff_text(a, b, old.label, new.label))
    return 0


def _textconv(path: Path, engine: str | None) -> int:
    """One build as stable text; a build that cannot be read or loaded still gives text, so git goes on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DiffInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        source = parse_source(str(path), raw)
        host = _boot(engine)
        side = compute_side(host, source, "this")
    except (DiffInputError, BuildSourceError) as exc:
        sys.stdout.write(f"pob-ls: this version could not be computed: {_one_line(str(exc))}\n")
        sys.stdout.write(raw.decode("utf-8", "replace"))
        return 0
    sys.stdout.write(render_build(side, f"PoB {host.files.version}"))
    return 0
