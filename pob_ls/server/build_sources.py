"""Where a build's text comes from: a file, a file holding a share code, or a git object (`REV:PATH`).

Shared by `pob-ls diff` and `pob-ls check --baseline`. Git is asked with `git cat-file`, never
`git show`, so a textconv driver set up for builds (see the README) never feeds us its rendering.
Every failure is a `BuildSourceError` whose message names the file or revision and the cause.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pob_ls.document import PobDocument, parse_document

GIT_TIMEOUT = 30.0
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


class BuildSourceError(Exception):
    """A source that cannot be read or parsed; the message is one line naming it."""


@dataclass(frozen=True)
class BuildSource:
    """Where a build came from (``label`` names it in messages) and its parsed text."""

    label: str
    document: PobDocument


def parse_source(label: str, raw: bytes) -> BuildSource:
    """Bytes of a build file or git blob, parsed; binary data and unreadable XML are errors."""
    if b"\0" in raw:
        raise BuildSourceError(f"{label}: binary data, not a PoB build")
    doc = parse_document(raw.decode("utf-8", errors="replace"))
    fatal = [e for e in doc.errors if e.severity == "error"]
    if fatal:
        err = fatal[0]
        pos = doc.source_line_index.position(doc.source_range(err.range).start)
        raise BuildSourceError(f"{label}:{pos.line + 1}:{pos.character + 1}: {err.message}")
    return BuildSource(label, doc)


def file_source(path: Path) -> BuildSource:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BuildSourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return parse_source(str(path), raw)


def resolve_source(spec: str, cwd: Path) -> BuildSource:
    """A file when one exists by that name, else ``REV:PATH`` read from git, else a missing file."""
    path = Path(spec)
    if path.exists() or ":" not in spec or _DRIVE.match(spec):
        return file_source(path)
    return git_source(spec, cwd)


def head_source(path: Path) -> BuildSource:
    """PATH as committed at HEAD of the repository holding it."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BuildSourceError(f"{path}: cannot read: no such directory {folder}")
    return git_source(f"HEAD:./{path.name}", folder, label=f"HEAD:{path}")


def _git(args: Sequence[str], cwd: Path, label: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT, env=env, check=False
        )
    except FileNotFoundError as exc:
        raise BuildSourceError(f"{label}: git is not installed (needed for REV:PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise BuildSourceError(f"{label}: git did not answer within {GIT_TIMEOUT:.0f} s") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        message = (
            message.removeprefix("fatal: ").splitlines()[0] if message else f"git exited {proc.returncode}"
        )
        raise BuildSourceError(f"{label}: {message}")
    return proc.stdout


def git_source(spec: str, cwd: Path, label: str | None = None) -> BuildSource:
    """A git blob named ``REV:PATH``; trees, commits and missing paths are errors naming the revision."""
    label = label or spec
    kind = _git(["cat-file", "-t", spec], cwd, label).decode("ascii", "replace").strip()
    if kind != "blob":
        raise BuildSourceError(f"{label}: is a git {kind}, not a file")
    return parse_source(label, _git(["cat-file", "blob", spec], cwd, label))
