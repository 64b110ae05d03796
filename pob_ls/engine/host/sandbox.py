"""The sandbox: the only Python functions Lua can call, and the attribute filter that stops it reaching more.

PoB's Lua runs builds from anywhere, so what it can touch through Python is kept in this one module:
file-system helpers confined to the engine's cache folder (listing also the engine's own folder), and zlib.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import zlib
from pathlib import Path
from typing import Any

from pob_ls.engine.host.lua_syntax import TRANSLATOR_VERSION, LuaSyntaxError, translate

#: The most PoB's Inflate may produce from one stream (build codes are far smaller).
MAX_INFLATE = 512 * 1024 * 1024


def deny_attributes(obj: object, name: object, is_setting: bool) -> object:
    """lupa's attribute filter: Lua may not read or set attributes of Python objects."""
    raise AttributeError("Lua may not access Python attributes")


class Sandbox:
    """The only Python functions Lua can call: file-system helpers confined to the cache dir, and zlib."""

    def __init__(self, cache_dir: Path, engine_root: Path | None = None) -> None:
        self.cache_dir = cache_dir.resolve()
        self.engine_root = engine_root.resolve() if engine_root is not None else None
        self.translated = 0  # chunks run through the translator (not from the cache)
        self.cache_hits = 0

    def _inside_cache(self, path: bytes | str) -> Path:
        p = Path(os.fsdecode(path)).resolve()
        if p != self.cache_dir and self.cache_dir not in p.parents:
            raise PermissionError(f"{p}: outside the pob-ls engine cache")
        return p

    def readable_in_cache(self, path: bytes) -> bool:
        """Whether a cache file is really inside the cache (a planted symlink could point anywhere)."""
        try:
            self._inside_cache(path)
        except PermissionError:
            return False
        return True

    def ensure_parent(self, path: bytes) -> bool:
        self._inside_cache(path).parent.mkdir(parents=True, exist_ok=True)
        return True

    def ensure_dir(self, path: bytes) -> bool:
        self._inside_cache(path).mkdir(parents=True, exist_ok=True)
        return True

    def remove_file(self, path: bytes) -> bool:
        p = self._inside_cache(path)
        if p.is_file():
            p.unlink()
        return True

    @staticmethod
    def inflate(data: bytes) -> bytes | None:
        """PoB's Inflate: raw zlib streams (build codes, timeless jewel data); None on bad data."""
        try:
            d = zlib.decompressobj()
            out = d.decompress(data, MAX_INFLATE)
            if d.unconsumed_tail:
                return None
            return out
        except zlib.error:
            return None

    @staticmethod
    def deflate(data: bytes) -> bytes:
        return zlib.compress(data, 9)

    # -- translating loader (issue #11): chunks in LuaJIT's 2026 syntax -------------------------

    def translate_chunk(self, source: bytes, chunkname: bytes) -> tuple[bytes | None, bytes | None]:
        """A chunk plain LuaJIT rejected, in plain LuaJIT 2.1 (cached by content hash), or (None, error).

        (None, None) when translating changes nothing: the compiler's own error then stands."""
        digest = hashlib.sha256(source).hexdigest()
        cached = self.cache_dir / "translated" / f"{digest}-v{TRANSLATOR_VERSION}.lua"
        try:
            out = cached.read_bytes()
            self.cache_hits += 1
            return out, None
        except OSError:
            pass
        text = source.decode("latin-1")  # byte-exact: Lua source is bytes
        name = os.fsdecode(chunkname)
        try:
            result = translate(text, name)
        except LuaSyntaxError as exc:
            return None, str(exc).encode("utf-8", "replace")
        except Exception as exc:  # a translator bug must not become a Python traceback in Lua
            return None, f"{name}: pob-ls's translator failed: {exc!r}".encode("utf-8", "replace")
        self.translated += 1
        if result == text:
            return None, None
        out = result.encode("latin-1")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(out)
            os.replace(tmp, cached)
        except OSError:
            pass  # an unwritable cache only costs the translation again next time
        return out, None

    def file_search(self, pattern: bytes, overlay_pattern: bytes, dir_only: bool) -> list[dict[bytes, Any]]:
        """SimpleGraphic's NewFileSearch: files matching a glob, the cache overlay winning over the engine."""
        found: dict[str, dict[bytes, Any]] = {}
        for pat in (os.fsdecode(pattern), os.fsdecode(overlay_pattern)):
            if not pat:
                continue
            folder, glob = os.path.split(pat)
            # Lua can reach this callable directly (debug.getupvalue), bypassing NewFileSearch's
            # path check: list only folders inside the engine or the cache.
            real = Path(folder).resolve()
            if not any(r == real or r in real.parents for r in (self.cache_dir, self.engine_root) if r):
                continue
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if not fnmatch.fnmatchcase(entry.name, glob) or entry.is_dir() != dir_only:
                    continue
                st = entry.stat()
                found[entry.name] = {
                    b"name": os.fsencode(entry.name),
                    b"size": st.st_size,
                    b"mtime": int(st.st_mtime),
                }
        return [found[k] for k in sorted(found)]
