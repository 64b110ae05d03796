"""Install a PoB engine into `engines_dir()/<version>/`, verified against its pinned checksum manifest.

Sources: the pinned upstream archive (downloaded), a URL, an archive file, a checkout, an extracted archive
or an installed PoB. Whatever the source, the result has the checkout shape (`src/`, `runtime/lua/`,
`manifest.xml`), holds only what the engine needs, is swapped in atomically and is left read-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pob_ls.engine.provisioning.archives import extract_archive
from pob_ls.engine.provisioning.layout import (
    INSTALLED,
    UNKNOWN_VERSION,
    EngineInstallError,
    EngineLayout,
    EngineNotFoundError,
    detect_layout,
)
from pob_ls.engine.provisioning.manifest import EnginePin, PinSet, load_pins
from pob_ls.engine.provisioning.paths import cache_dir, engines_dir

#: Called with (bytes done, total bytes or None when the server does not say).
ProgressFn = Callable[[int, int | None], None]

RECORD_NAME = "pob-ls-engine.json"
SOURCE_ENV = "POB_LS_ENGINE_SOURCE"
UPSTREAM_REPO = "https://github.com/PathOfBuildingCommunity/PathOfBuilding"
MAX_DOWNLOAD_BYTES = 1 << 30
_CHUNK = 1 << 20
_SAFE_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]*$")
#: Top-level folders of an installed PoB that are user state or native runtime, not engine code.
_INSTALLED_SKIP = frozenset({"lua", "runtime", "builds", "update", "spec", "tests", "docs"})


@dataclass
class VerifyReport:
    """How the copied files compare with the pinned manifest."""

    verified: int = 0
    mismatched: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def install_engine(
    version: str | None = None,
    source: Path | str | None = None,
    *,
    progress: ProgressFn | None = None,
    pins: PinSet | None = None,
    url: str | None = None,
    origin: dict[str, Any] | None = None,
) -> EngineLayout:
    """Install `version` (default: the pinned default) from `source` (default: `$POB_LS_ENGINE_SOURCE`, else
    the pinned upstream archive, or `url` when given) and return the installed engine's layout.

    `origin` (the upstream release it came from) is kept in the install record."""
    pins = pins or load_pins()
    if source is None:
        source = os.environ.get(SOURCE_ENV) or None
    if source is None:
        wanted = version or pins.default
        pin = pins.get(wanted)
        source = url or (pin.archive_url if pin else f"{UPSTREAM_REPO}/archive/refs/tags/v{wanted}.tar.gz")
        version = wanted
    work_root = cache_dir() / "downloads"
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="install-", dir=work_root) as work:
        source_dir = _materialise(source, Path(work), progress)
        try:
            layout = detect_layout(source_dir)
        except EngineNotFoundError as exc:
            raise EngineInstallError(f"{source} holds no PoB engine ({exc})") from exc
        final_version = _resolve_version(version, layout, source)
        return _install_layout(layout, final_version, str(source), pins.get(final_version), origin)


def is_verified(record: dict[str, Any] | None) -> bool:
    """Whether an install was checked against a pin (older records say so by their pinned commit)."""
    if record is None:
        return False
    return bool(record.get("pinned", record.get("pinned_commit") is not None))


def read_install_record(root: Path) -> dict[str, Any] | None:
    """The `pob-ls-engine.json` an install wrote, or None for engines we did not install."""
    try:
        data = json.loads((root / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_tree(path: Path) -> None:
    """Delete a folder even though its files are read-only (Windows refuses otherwise)."""

    def make_writable_and_retry(func: Callable[[str], object], failed: str, _exc: object) -> None:
        os.chmod(failed, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
        func(failed)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


def _materialise(source: Path | str, work: Path, progress: ProgressFn | None) -> Path:
    """A local folder holding the engine: the source itself, or what its download/archive unpacks to."""
    text = str(source)
    if re.match(r"^https?://", text, re.I):
        source = download(text, work, progress)
    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if not path.is_file():
        raise EngineInstallError(f"{path} does not exist (expected a PoB folder, archive or URL)")
    target = work / "unpacked"
    extract_archive(path, target)
    return target


def download(url: str, dest_dir: Path, progress: ProgressFn | None = None, *, timeout: float = 60) -> Path:
    """Stream `url` into `dest_dir`, reporting progress; returns the downloaded file."""
    name = Path(urllib.parse.urlparse(url).path).name or "engine-archive"
    target = dest_dir / f"download-{name}"
    request = urllib.request.Request(url, headers={"User-Agent": "pob-ls"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, target.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress:
                progress(done, total)
            while chunk := response.read(_CHUNK):
                done += len(chunk)
                if done > MAX_DOWNLOAD_BYTES:
                    raise EngineInstallError(f"download of {url} exceeds {MAX_DOWNLOAD_BYTES} bytes")
                out.write(chunk)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        raise EngineInstallError(
            f"cannot download {url}: {reason}; to install offline use "
            f"`pob-ls engine install --from PATH_OR_ARCHIVE` or set {SOURCE_ENV}"
        ) from exc
    return target


def _resolve_version(requested: str | None, layout: EngineLayout, source: Path | str) -> str:
    found = layout.version
    if requested and found != UNKNOWN_VERSION and requested != found:
        raise EngineInstallError(f"{source} holds PoB {found}, not the requested {requested}")
    version = found if found != UNKNOWN_VERSION else requested
    if not version:
        raise EngineInstallError(f"cannot tell the PoB version of {source} (no manifest.xml); name it")
    if not _SAFE_VERSION.match(version):
        raise EngineInstallError(f"unusable version name {version!r}")
    return version


def _install_layout(
    layout: EngineLayout, version: str, source: str, pin: EnginePin | None, origin: dict[str, Any] | None
) -> EngineLayout:
    root = engines_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
    staging.chmod(0o755)  # mkdtemp makes it private; an engine folder is ordinary readable data
    try:
        hashes = _copy_engine(layout, staging)
        report = _verify(hashes, pin, lenient={"manifest.xml"} if layout.kind == INSTALLED else set())
        if report.mismatched:
            shown = ", ".join(report.mismatched[:10])
            more = f" and {len(report.mismatched) - 10} more" if len(report.mismatched) > 10 else ""
            raise EngineInstallError(
                f"checksum mismatch against pinned PoB {version} ({pin.manifest if pin else '?'}) "
                f"for {len(report.mismatched)} file(s): {shown}{more}; nothing was installed"
            )
        staged = detect_layout(staging, source="installed")
        _write_record(staging, version, source, pin, report, staged, origin)
        _make_read_only(staging)
        _swap_into_place(staging, root / version)
    except BaseException:
        if staging.exists():
            remove_tree(staging)
        raise
    return detect_layout(root / version, source="installed")


def _engine_files(layout: EngineLayout) -> Iterator[tuple[Path, str]]:
    """(source file, checkout-shaped relative path) for each file the engine needs."""
    if layout.manifest_path.is_file():
        yield layout.manifest_path, "manifest.xml"
    if layout.kind == INSTALLED:
        yield from _tree(layout.root / "lua", "runtime/lua")
        for entry in sorted(layout.root.iterdir()):
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_file() and entry.suffix == ".lua":
                yield entry, f"src/{entry.name}"
            elif entry.is_dir() and entry.name.lower() not in _INSTALLED_SKIP:
                yield from _tree(entry, f"src/{entry.name}")
    else:
        yield from _tree(layout.script_dir, "src")
        yield from _tree(layout.root / "runtime" / "lua", "runtime/lua")


def _tree(base: Path, prefix: str) -> Iterator[tuple[Path, str]]:
    """Regular files under `base`; symlinks are never followed, so nothing outside the source gets in."""
    if not base.is_dir() or base.is_symlink():
        return
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path, f"{prefix}/{path.relative_to(base).as_posix()}"


def _copy_engine(layout: EngineLayout, dest: Path) -> dict[str, str]:
    """Copy the engine files into `dest`, hashing them on the way; returns {relative path: sha256}."""
    hashes: dict[str, str] = {}
    for src, rel in _engine_files(layout):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with src.open("rb") as fin, target.open("wb") as fout:
            while chunk := fin.read(_CHUNK):
                digest.update(chunk)
                fout.write(chunk)
        hashes[rel] = digest.hexdigest()
    return hashes


def _verify(hashes: dict[str, str], pin: EnginePin | None, lenient: set[str]) -> VerifyReport:
    """Compare with the pinned manifest; `lenient` files may differ (PoB's updater rewrites manifest.xml)."""
    if pin is None:
        return VerifyReport(unverified=sorted(hashes))
    expected = pin.checksums()
    report = VerifyReport(missing=sorted(expected.keys() - hashes.keys()))
    for rel, digest in sorted(hashes.items()):
        want = expected.get(rel)
        if want is None or (want != digest and rel in lenient):
            report.unverified.append(rel)
        elif want != digest:
            report.mismatched.append(rel)
        else:
            report.verified += 1
    return report


def _write_record(
    root: Path,
    version: str,
    source: str,
    pin: EnginePin | None,
    report: VerifyReport,
    staged: EngineLayout,
    origin: dict[str, Any] | None,
) -> None:
    record = {
        "version": version,
        "source": source,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        # False: no pin for this version, so no file was checked against a known-good manifest.
        "pinned": pin is not None,
        "pinned_commit": pin.commit if pin else None,
        "manifest": pin.manifest if pin else None,
        "verified": report.verified,
        "unverified": report.unverified,
        "missing": report.missing,
        "tree_versions": staged.tree_versions,
        "tree_range": staged.tree_range,
        "missing_tree_versions": staged.missing_tree_versions,
        "release": origin,
    }
    (root / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _make_read_only(root: Path) -> None:
    """Files become read-only so nothing (PoB included) writes into an engine; its writes go to the cache."""
    read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for dirpath, _dirs, filenames in os.walk(root):
        for name in filenames:
            os.chmod(Path(dirpath) / name, read_only)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename the staged engine into place, replacing an older install of the same version."""
    old: Path | None = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{datetime.now(UTC).timestamp():.0f}")
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        remove_tree(old)
