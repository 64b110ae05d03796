"""Checksum manifests and version pins: how we know an engine folder is the PoB we meant.

A manifest is our own listing (`<sha256>  <relative path>`, sorted) of the engine files a known-good copy
holds; PoB's code itself never enters this repository. The pins (`pins/engines.toml`) say which upstream
commit each supported version is, where its archive is, and which manifest belongs to it.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: What an engine needs from a PoB checkout, relative to its root; everything else is left behind.
ENGINE_DIRS = ("src", "runtime/lua")
ENGINE_FILES = ("manifest.xml",)

_CHUNK = 1 << 20


def pins_dir() -> Path:
    """The pin data shipped inside the package, so it works from an installed wheel too."""
    return Path(__file__).with_name("pins")


@dataclass(frozen=True)
class EnginePin:
    """One supported PoB version, pinned to an exact upstream commit."""

    version: str
    repo: str
    tag: str
    commit: str
    archive_url: str
    manifest: str
    known_absent: list[str] = field(default_factory=list)
    pins_root: Path = field(default_factory=pins_dir)

    @property
    def manifest_path(self) -> Path:
        return self.pins_root / self.manifest

    def checksums(self) -> dict[str, str]:
        return read_manifest(self.manifest_path)


@dataclass(frozen=True)
class PinSet:
    """All pins plus the version installed when the user names none."""

    default: str
    engines: dict[str, EnginePin]

    def get(self, version: str) -> EnginePin | None:
        return self.engines.get(version)


def load_pins(path: Path | None = None) -> PinSet:
    """Read `engines.toml`; `path` lets tests pin fake engines."""
    toml_path = path or pins_dir() / "engines.toml"
    with toml_path.open("rb") as fh:
        data = tomllib.load(fh)
    engines = {
        version: EnginePin(
            version=version,
            repo=str(entry["repo"]),
            tag=str(entry.get("tag", "")),
            commit=str(entry["commit"]),
            archive_url=str(entry["archive_url"]),
            manifest=str(entry["manifest"]),
            known_absent=[str(p) for p in entry.get("known_absent", [])],
            pins_root=toml_path.parent,
        )
        for version, entry in data.get("engines", {}).items()
    }
    return PinSet(default=str(data["default"]), engines=engines)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def engine_files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of the engine files under a checkout-shaped `root`, sorted."""
    found: list[str] = [name for name in ENGINE_FILES if (root / name).is_file()]
    for sub in ENGINE_DIRS:
        base = root / sub
        if base.is_dir():
            found.extend(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file())
    yield from sorted(found)


def build_manifest(root: Path) -> dict[str, str]:
    return {rel: sha256_file(root / rel) for rel in engine_files(root)}


def format_manifest(entries: dict[str, str]) -> str:
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(entries.items()))


def write_manifest(entries: dict[str, str], path: Path) -> None:
    path.write_text(format_manifest(entries), encoding="utf-8", newline="\n")


def read_manifest(path: Path) -> dict[str, str]:
    """Parse `<sha256>  <path>` lines (the `sha256sum` format); blank lines and `#` comments are skipped."""
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise ValueError(f"{path}: malformed manifest line {line!r}")
        entries[rel] = digest.lower()
    return entries
