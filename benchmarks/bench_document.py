"""Document-layer figures: parse time of each real build (best and median of N), per KB.

Not a test: prints a table. Run: .venv/bin/python benchmarks/bench_document.py [-n 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from pob_ls.document import parse_document

BUILDS = Path(__file__).resolve().parents[1].parent / "shared" / "builds"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    print(f"{'build':<52} {'KB':>6} {'best ms':>8} {'median ms':>10} {'ms/100KB':>9}")
    for path in sorted(BUILDS.glob("*.xml")):
        text = path.read_text(encoding="utf-8")
        times = []
        for _ in range(args.n):
            t = time.perf_counter()
            parse_document(text)
            times.append((time.perf_counter() - t) * 1000)
        kb = len(text.encode()) / 1024
        best, median = min(times), statistics.median(times)
        print(f"{path.name[:52]:<52} {kb:6.0f} {best:8.1f} {median:10.1f} {best / kb * 100:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
