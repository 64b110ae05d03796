#!/bin/sh
# Install the PoB engine pob-ls runs (the pinned default, or the VERSION given as argument).
# Offline or behind a proxy: POB_LS_ENGINE_SOURCE=/path/to/PoB-folder-or-archive ./external/setup_engine.sh
# Python to use: $PYTHON, else the repo's .venv.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-"$repo/.venv/bin/python"}
cd "$repo"
if [ -n "${POB_LS_ENGINE_SOURCE:-}" ]; then
    exec "$python" -m pob_ls.engine.cli_engine engine install --from "$POB_LS_ENGINE_SOURCE" "$@"
fi
exec "$python" -m pob_ls.engine.cli_engine engine install "$@"
