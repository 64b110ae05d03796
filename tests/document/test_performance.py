"""Parsing stays fast enough to run on every keystroke."""

from __future__ import annotations

import timeit

from pob_ls.document import parse_document

from .real_builds import LARGEST_BUILD, read_build


def test_largest_real_build_parses_well_under_50_ms() -> None:
    text = read_build(LARGEST_BUILD)
    best = min(timeit.repeat(lambda: parse_document(text), number=1, repeat=10))
    assert best < 0.05, f"best of 10 parses took {best * 1000:.1f} ms"
