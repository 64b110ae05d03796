"""Incremental updates equal a full reload of the same text, key by key, over random edit sequences."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.host.incremental import update_build

from .conftest import BUILD_FILES, build_text, differences
from .edits import EDITS, NODE_POOL

pytestmark = pytest.mark.engine

STEPS: Counter[str] = Counter()  # kind taken -> steps checked equal to a reload

edit_step = st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 200), st.integers(0, 200))


@pytest.fixture(scope="module", autouse=True)
def node_pool() -> None:
    ids: set[int] = set()
    for name in BUILD_FILES:
        m = re.search(r'<Spec [^>]*?\bnodes="([\d,]*)"', build_text(name))
        ids.update(int(i) for i in m.group(1).split(",")) if m else None
    NODE_POOL[:] = sorted(ids)


@pytest.fixture(scope="module", autouse=True)
def report() -> object:
    yield
    total = sum(STEPS.values())
    print(f"\nincremental equivalence: {total} random steps equal to a full reload: {dict(STEPS)}")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(build=st.sampled_from(BUILD_FILES), steps=st.lists(edit_step, min_size=1, max_size=4))
def test_random_edit_sequences_equal_a_full_reload(
    host: PobHost, build: str, steps: list[tuple[str, int, int]]
) -> None:
    text = build_text(build)
    handle = host.load_build(text)
    try:
        for name, k, v in steps:
            new = EDITS[name](text, k, v)
            outcome = update_build(host, handle, text, new)
            handle = outcome.handle
            ref = host.load_build(new)
            try:
                diff = differences(host.result(handle), host.result(ref))
            finally:
                host.free(ref)
            assert not diff, f"{build} after {name}({k},{v}) via {outcome.kind}: {diff[:10]}"
            STEPS[outcome.kind] += 1
            text = new
    finally:
        host.free(handle)
