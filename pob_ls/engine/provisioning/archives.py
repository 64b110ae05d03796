"""Safe archive extraction: unpack a PoB release archive without letting it write outside its folder.

Kept apart from `install.py` because it is the one place that handles hostile input byte by byte: links are
never created, absolute and `..` paths are refused, and member count and sizes are capped against bombs.
"""

from __future__ import annotations

import posixpath
import re
import stat
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from pob_ls.engine.provisioning.layout import EngineInstallError

#: Caps against archive bombs: total unpacked bytes, one member's bytes, number of members.
MAX_UNPACKED_BYTES = 2 << 30
MAX_MEMBER_BYTES = 512 << 20
MAX_MEMBERS = 100_000
_CHUNK = 1 << 20


def extract_archive(path: Path, dest: Path) -> None:
    """Unpack a .tar(.gz/.bz2/.xz) or .zip into `dest`, refusing anything that could land outside it.

    Only folders and regular files are written; links are never created (one pointing outside is refused),
    members with absolute or `..` paths are refused, and sizes are capped.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(path):
        _extract_zip(path, dest)
    elif tarfile.is_tarfile(path):
        _extract_tar(path, dest)
    else:
        raise EngineInstallError(f"{path} is neither a folder nor a .tar.gz/.tgz/.zip archive")


def _member_path(name: str, archive_path: Path) -> str | None:
    """The safe relative POSIX path of an archive member, None for the archive root itself."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean):
        raise EngineInstallError(f"refusing archive {archive_path}: absolute path {name!r}")
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise EngineInstallError(f"refusing archive {archive_path}: path traversal in {name!r}")
    return "/".join(parts) or None


def _check_link(name: str, link: str, archive_path: Path) -> None:
    target = posixpath.normpath(posixpath.join(posixpath.dirname(name), link.replace("\\", "/")))
    if link.startswith("/") or target == ".." or target.startswith("../"):
        raise EngineInstallError(f"refusing archive {archive_path}: link {name!r} points outside it")


class _Budget:
    """Counts members and bytes while unpacking, so a bomb stops early instead of filling the disk."""

    def __init__(self, archive_path: Path) -> None:
        self.archive_path = archive_path
        self.members = 0
        self.total = 0

    def member(self) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise EngineInstallError(f"refusing archive {self.archive_path}: more than {MAX_MEMBERS} entries")

    def write(self, fin: Any, target: Path, name: str) -> None:
        written = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as fout:
            while chunk := fin.read(_CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if written > MAX_MEMBER_BYTES or self.total > MAX_UNPACKED_BYTES:
                    raise EngineInstallError(f"refusing archive {self.archive_path}: {name!r} is too large")
                fout.write(chunk)


def _extract_tar(path: Path, dest: Path) -> None:
    budget = _Budget(path)
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                budget.member()
                rel = _member_path(member.name, path)
                if member.issym() or member.islnk():
                    _check_link(member.name, member.linkname, path)
                    continue
                if rel is None:
                    continue
                if member.isdir():
                    (dest / rel).mkdir(parents=True, exist_ok=True)
                elif member.isreg():
                    fin = tar.extractfile(member)
                    if fin is not None:
                        budget.write(fin, dest / rel, member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise EngineInstallError(f"cannot read archive {path}: {exc}") from exc


def _extract_zip(path: Path, dest: Path) -> None:
    budget = _Budget(path)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                budget.member()
                rel = _member_path(info.filename, path)
                if stat.S_ISLNK(info.external_attr >> 16):
                    _check_link(info.filename, zf.read(info).decode("utf-8", "replace"), path)
                    continue
                if rel is None:
                    continue
                if info.is_dir():
                    (dest / rel).mkdir(parents=True, exist_ok=True)
                else:
                    with zf.open(info) as fin:
                        budget.write(fin, dest / rel, info.filename)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise EngineInstallError(f"cannot read archive {path}: {exc}") from exc
