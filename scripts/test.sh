#!/bin/sh
# Run the whole test suite (sets up .venv first if needed). Extra arguments go to pytest.
# Ends with one line saying whether the PoB engine was found and how many tests were skipped.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sh scripts/ensure-venv.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
