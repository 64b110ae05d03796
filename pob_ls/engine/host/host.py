"""Host Path of Building in an in-process LuaJIT state, through lupa, with our own Lua glue.

The host owns one Lua state. It is not thread-safe: one thread at a time (the worker
process of `pob_ls.engine.service.worker` is the only intended user besides tests and the CLI).
"""

from __future__ import annotations

import ctypes
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

from lupa import luajit21

from pob_ls.engine.host.results import BuildResult, problems_from_lua, result_from_lua
from pob_ls.engine.host.sandbox import Sandbox, deny_attributes
from pob_ls.engine.messages import FactsJson
from pob_ls.engine.provisioning.layout import EngineError, EngineFiles, EngineLayout, tree_data_absent
from pob_ls.engine.provisioning.paths import engine_cache_dir

# LuaJIT's default trace limits make PoB flush its compiled code several times per
# recalculation; these limits remove the flushes (2-5x faster recalcs, ~60 MB more heap).
JIT_OPTIONS = ("maxtrace=20000", "maxrecord=16000", "maxsnap=1000", "maxmcode=65536", "sizemcode=1024")
DEFAULT_MAX_MEMORY = 2048 * 1024 * 1024
_TREE_VERSION = re.compile(r'treeVersion="([0-9A-Za-z_]+)"')
# Feature glue modules loaded after the API, in this order (files in pob_ls/engine/host/lua/).
GLUE_MODULES: tuple[str, ...] = ("diagnostics", "whatif", "incremental", "tree")


__all__ = ["BuildLoadError", "EngineError", "EngineFiles", "PobHost"]


class BuildLoadError(EngineError):
    """The build could not be loaded; the engine state is still usable."""


@dataclass
class BootInfo:
    version: str
    engine_root: Path
    cache_dir: Path
    boot_seconds: float
    jit_options: tuple[str, ...]
    pinned: dict[str, int] = field(default_factory=dict)
    translation: dict[str, int] = field(default_factory=dict)  # chunks translated / read from the cache


def _read_glue(name: str) -> str:
    return resources.files("pob_ls.engine.host").joinpath("lua", name).read_text(encoding="utf-8")


class PobHost:
    """One booted PoB in one LuaJIT state; builds are loaded into their own build objects."""

    def __init__(
        self,
        files: EngineFiles | EngineLayout,
        *,
        cache_dir: Path | None = None,
        max_memory: int | None = DEFAULT_MAX_MEMORY,
        jit_options: Sequence[str] = JIT_OPTIONS,
        gc_pause: int = 200,
    ) -> None:
        start = time.perf_counter()
        self.files = files
        self.cache_dir = (cache_dir or engine_cache_dir(files.root, files.version)).resolve()
        overlay = self.cache_dir / "overlay"
        user_dir = self.cache_dir / "user"
        for d in (overlay, user_dir, self.cache_dir / "runtime"):
            d.mkdir(parents=True, exist_ok=True)
        self._sandbox = Sandbox(self.cache_dir, files.root)
        self.lua = luajit21.LuaRuntime(
            encoding=None,
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=deny_attributes,
            max_memory=max_memory,
        )
        root = files.root.resolve()
        script_dir = files.script_dir.resolve()
        lib_dirs = [script_dir, *(d.resolve() for d in files.lua_lib_dirs)]
        package_path = ";".join(f"{d}/?.lua;{d}/?/init.lua" for d in lib_dirs)
        sb = self._sandbox
        cfg = self.lua.table_from(
            {
                b"engine_root": os.fsencode(root),
                b"script_dir": os.fsencode(script_dir),
                b"cache_dir": os.fsencode(self.cache_dir),
                b"overlay_dir": os.fsencode(overlay),
                b"user_dir": os.fsencode(user_dir),
                b"package_path": package_path.encode(),
                b"version": files.version.encode(),
                b"jit_options": self.lua.table_from([o.encode() for o in jit_options]),
                b"gc_pause": gc_pause,
                b"ensure_parent": sb.ensure_parent,
                b"readable_in_cache": sb.readable_in_cache,
                b"ensure_dir": sb.ensure_dir,
                b"remove_file": sb.remove_file,
                b"inflate": sb.inflate,
                b"deflate": sb.deflate,
                b"translate_chunk": sb.translate_chunk,
                b"file_search": self._lua_file_search,
            }
        )
        self._run_glue("environment.lua", cfg)
        try:
            self._run_glue("boot.lua", cfg)
        except luajit21.LuaError as exc:
            raise EngineError(f"PoB {files.version} at {root} failed to boot: {_lua_message(exc)}") from exc
        pinned = self._run_glue("determinism.lua", cfg)
        self._api = self._run_glue("api.lua", cfg)
        # Feature modules: each is a Lua file in lua/ that returns a table of functions,
        # called as module(cfg, api) so it can reach the loaded build objects.
        self._modules: dict[str, Any] = {
            name: self._run_glue(f"{name}.lua", cfg, self._api) for name in GLUE_MODULES
        }
        self.boot = BootInfo(
            version=files.version,
            engine_root=root,
            cache_dir=self.cache_dir,
            boot_seconds=time.perf_counter() - start,
            jit_options=tuple(jit_options),
            pinned=_to_python(pinned) if pinned is not None else {},
            translation={"translated": sb.translated, "cache_hits": sb.cache_hits},
        )

    def _lua_file_search(self, pattern: bytes, overlay_pattern: bytes, dir_only: bool) -> object:
        return self.lua.table_from(
            [self.lua.table_from(e) for e in self._sandbox.file_search(pattern, overlay_pattern, dir_only)]
        )

    def _run_glue(self, name: str, *args: object) -> Any:
        func = self.lua.execute(
            "local src, name = ... return assert(load(src, '=pob-ls/' .. name, 't'))",
            _read_glue(name).encode(),
            name.encode(),
        )
        return func(*args)

    def call(self, module: str, function: str, *args: Any, error: type[EngineError] = EngineError) -> Any:
        """Call `function` of a feature glue module; the result is converted to plain Python."""
        func = self._modules[module][function.encode()]
        if func is None:
            raise EngineError(f"glue module {module} has no function {function}")
        converted = [a.encode("utf-8") if isinstance(a, str) else a for a in args]
        return _to_python(self._call(func, *converted, error=error))

    def node_rows(self, handle: int, node_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Name, type and stat lines of passive nodes in the build's tree (for `pob-ls diff`)."""
        rows = self.call("diagnostics", "nodes", handle, self.lua.table_from(list(node_ids)))
        return rows if isinstance(rows, list) else []

    def catalog(self) -> dict[str, Any]:
        """The gems, config options and tree versions this PoB knows (`whatif.catalog`)."""
        found = self.call("whatif", "catalog")
        return found if isinstance(found, dict) else {}

    def _call(self, func: Callable[..., Any], *args: Any, error: type[EngineError] = EngineError) -> Any:
        try:
            return func(*args)
        except luajit21.LuaMemoryError as exc:
            raise EngineError("the PoB engine ran out of memory") from exc
        except luajit21.LuaError as exc:
            raise error(_lua_message(exc)) from exc

    # -- builds -------------------------------------------------------------------------

    def load_build(self, xml: str, name: str = "pob-ls") -> int:
        """Load build XML into a new build object; returns its handle. Raises BuildLoadError."""
        try:
            return int(self._call(self._api.load, xml.encode("utf-8"), name.encode(), error=BuildLoadError))
        except BuildLoadError as exc:
            missing = self.missing_tree_data(xml)
            if missing:
                raise BuildLoadError(
                    f"this engine (PoB {self.files.version} at {self.files.root}) lacks the passive tree "
                    f"data for version {', '.join(missing)}; install a complete engine with "
                    "`pob-ls engine install`"
                ) from exc
            raise

    def missing_tree_data(self, xml: str) -> list[str]:
        """Tree versions the build names whose data files are absent from this engine."""
        versions = sorted(set(_TREE_VERSION.findall(xml)))
        return [v for v in versions if tree_data_absent(Path(self.files.script_dir), v)]

    def recalc(self, handle: int) -> None:
        self._call(self._api.recalc, handle)

    def result(self, handle: int) -> BuildResult:
        start = time.perf_counter()
        raw = _to_python(self._call(self._api.result, handle))
        problems = problems_from_lua(self.call("diagnostics", "collect", handle))
        facts = self.call("diagnostics", "facts", handle)
        result = result_from_lua(raw, problems, cast(FactsJson, facts) if isinstance(facts, dict) else None)
        result.timings["result_seconds"] = time.perf_counter() - start
        return result

    def free(self, handle: int) -> None:
        self._call(self._api.free, handle)

    def drain_log(self) -> list[str]:
        log = self.lua.globals().pobls_host.log
        lines = [str(_decode(log[i])) for i in range(1, len(log) + 1)]
        self.lua.execute("pobls_host.log = {}")
        return lines

    def translation_stats(self) -> dict[str, int]:
        """Chunks run through the 2026-syntax translator so far, and chunks read from its cache."""
        return {"translated": self._sandbox.translated, "cache_hits": self._sandbox.cache_hits}

    def memory_used(self) -> int:
        return int(self.lua.get_memory_used() or 0)

    def collect_garbage(self) -> None:
        """A full Lua collection, then the freed heap given back to the OS (RSS then shows live data)."""
        self.lua.execute("collectgarbage('collect')")
        _trim_heap()


def _libc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # glibc only
    except (AttributeError, OSError):
        return None
    return trim


_MALLOC_TRIM = _libc_trim()


def _trim_heap() -> None:
    """glibc keeps freed pages in the process; malloc_trim returns them (absent elsewhere: a no-op)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _decode(value: object) -> object:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _to_python(value: Any) -> Any:
    """Lua tables become lists (keys 1..n) or dicts; Lua strings become str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if luajit21.lua_type(value) != "table":
        return value
    items = [(_to_python(k), v) for k, v in value.items()]
    keys = [k for k, _ in items]
    if keys and all(isinstance(k, int) for k in keys) and sorted(keys) == list(range(1, len(keys) + 1)):
        return [_to_python(v) for _, v in sorted(items, key=lambda kv: kv[0])]
    if not keys:
        return {}
    return {k: _to_python(v) for k, v in items}


def _lua_message(exc: BaseException) -> str:
    """The first line of a Lua error, without lupa's traceback."""
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.split("\nstack traceback:", 1)[0].strip()
