"""Load and soak through a real `pob-ls serve`: open builds, thousands of edits, RSS and latency.

Not a test (the short version is tests/stress/test_soak.py). Opt-in and bounded in count and time:
  .venv/bin/python benchmarks/stress_soak.py --builds 20 --edits 2000 --minutes 5
Prints RSS growth per process (median of the first vs the last quartile of samples), version-order
violations, and didChange -> publishDiagnostics latency percentiles for the version sent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.stress.soak import soak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=20)
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    report = asyncio.run(
        soak(min(args.builds, 50), min(args.edits, 20000), min(args.minutes, 30.0), seed=args.seed)
    )
    print("\n".join(report.lines()))
    ok = report.server_alive and not report.order_violations and not report.unanswered
    for line in report.order_violations[:10] + report.unanswered[:10]:
        print("  ", line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
