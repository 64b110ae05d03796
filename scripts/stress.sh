#!/bin/sh
# Stress figures (opt-in, long; not part of scripts/test.sh): hostile inputs and worker faults through
# the real server (tests/stress, scaled up by POB_LS_STRESS_SCALE, default 4 here), a soak and a
# 20-process determinism run. Everything is bounded in count and time and talks to 127.0.0.1 only.
# Arguments go to the soak script (default: --builds 20 --edits 2000 --minutes 5).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sh scripts/ensure-venv.sh
py=.venv/bin/python
status=0
echo "== hostile inputs, faults, isolation, short soak (tests/stress, scale ${POB_LS_STRESS_SCALE:-4})"
POB_LS_STRESS_SCALE=${POB_LS_STRESS_SCALE:-4} $py -m pytest -q -s -p no:cacheprovider tests/stress \
    | grep -E "tally|outcomes|rounds|hook |soak|latency|RSS|violations|passed|failed" || status=1
echo "== soak"
if [ "$#" -eq 0 ]; then set -- --builds 20 --edits 2000 --minutes 5; fi
$py benchmarks/stress_soak.py "$@" || status=1
echo "== determinism"
$py benchmarks/stress_determinism.py --processes 20 --parallel 2 || status=1
exit $status
