"""Write the checksum manifest of a local PoB copy into pob_ls/engine/pins/ (our file, not PoB's code).

    .venv/bin/python external/make_manifest.py /tmp/pob/2.63.0
    .venv/bin/python external/make_manifest.py /tmp/pob/2.63.0 --git-dir MIRROR --commit b3b4bc74

With --git-dir/--commit it also prints, as TOML, the engine paths the upstream commit has but the local copy
lacks: paste them into `known_absent` in pins/engines.toml.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a plain checkout too

from pob_ls.engine.layout import detect_layout
from pob_ls.engine.manifest import (
    ENGINE_DIRS,
    ENGINE_FILES,
    build_manifest,
    pins_dir,
    write_manifest,
)


def upstream_paths(git_dir: str, commit: str) -> set[str]:
    command = ["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", commit, "--"]
    out = subprocess.run(
        [*command, *ENGINE_DIRS, *ENGINE_FILES],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {line for line in out.splitlines() if line}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="a PoB checkout (with src/, runtime/lua/, manifest.xml)")
    parser.add_argument("--out", type=Path, help="manifest file (default: pins/pob-<version>.sha256)")
    parser.add_argument("--git-dir", help="upstream git dir, to list paths absent from the local copy")
    parser.add_argument("--commit", help="upstream commit matching the local copy")
    args = parser.parse_args(argv)

    layout = detect_layout(args.source)
    if layout.kind != "checkout":
        parser.error(f"{layout.root} is not checkout-shaped (needs src/Launch.lua)")
    entries = build_manifest(layout.root)
    out: Path = args.out or pins_dir() / f"pob-{layout.version}.sha256"
    write_manifest(entries, out)
    print(f"wrote {len(entries)} entries for {layout.version} to {out}", file=sys.stderr)

    if args.git_dir and args.commit:
        absent = sorted(upstream_paths(args.git_dir, args.commit) - entries.keys())
        print("known_absent = [")
        for rel in absent:
            print(f'    "{rel}",')
        print("]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
