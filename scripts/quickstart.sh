#!/bin/sh
# Set up pob-ls in .venv, install the PoB engine if none is found, and print the stats of our example build.
# Offline: POB_LS_ENGINE_SOURCE=/path/to/PoB-folder-or-archive sh scripts/quickstart.sh
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sh scripts/ensure-venv.sh
if ! .venv/bin/pob-ls engine where >/dev/null 2>&1; then
    echo "pob-ls: no PoB engine found; installing one" >&2
    sh external/setup_engine.sh
fi
exec .venv/bin/pob-ls stats examples/boneshatter-marauder.pob
