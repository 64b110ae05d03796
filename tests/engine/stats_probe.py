"""Print the saved-stat pairs pob-ls computes for builds, as JSON: run in its own process by tests.

Usage: stats_probe.py ENGINE BUILD.xml...   (ENGINE: a folder or an installed version)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pob_ls.engine.host.host import BuildLoadError, PobHost
from pob_ls.engine.provisioning.discovery import find_engine


def main(argv: list[str]) -> int:
    engine, *builds = argv
    host = PobHost(find_engine(engine))
    out: dict[str, object] = {}
    for build in builds:
        try:
            result = host.result(host.load_build(Path(build).read_text(encoding="utf-8")))
        except BuildLoadError as exc:
            out[build] = {"error": str(exc)}
            continue
        out[build] = {
            "player": [[k, repr(v)] for k, v in result.player_stats],
            "minion": [[k, repr(v)] for k, v in result.minion_stats],
        }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
