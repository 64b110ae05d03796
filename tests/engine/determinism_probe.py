"""Load builds in one fresh PoB host and print their outputs as JSON, for cross-process comparison.

LuaJIT seeds string hashing per state, so a `pairs`-order dependence in PoB only shows
between processes: the test runs this script several times and compares what it prints.
Floats are printed with `repr` so that any difference, however small, is seen.

Usage: determinism_probe.py ENGINE_ROOT SCRIPT_DIR VERSION CACHE_DIR LIB_DIRS(os.pathsep) BUILD.xml...
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pob_ls.engine.host.host import EngineError, EngineFiles, PobHost


def _exact(value: object) -> object:
    """Floats as their exact repr; JSON floats could be re-rounded by a reader."""
    if isinstance(value, float):
        return repr(value)
    return value


def main(argv: list[str]) -> int:
    root, script_dir, version, cache_dir, lib_dirs, *builds = argv
    libs = [Path(d) for d in lib_dirs.split(os.pathsep) if d]
    host = PobHost(EngineFiles(Path(root), Path(script_dir), libs, version), cache_dir=Path(cache_dir))
    report: dict[str, object] = {"pinned": host.boot.pinned, "builds": {}}
    results: dict[str, object] = {}
    for build in builds:
        path = Path(build)
        try:
            handle = host.load_build(path.read_text(encoding="utf-8"), path.stem)
        except EngineError as exc:
            results[path.name] = {"error": str(exc)}
            continue
        r = host.result(handle)
        results[path.name] = {"output": {k: _exact(v) for k, v in sorted(r.output.items())}}
        host.free(handle)
    report["builds"] = results
    json.dump(report, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
