"""Which of several engines computes a build: the newest one that can load every tree version it names.

Pure functions over `EngineLayout`s and tree-version strings; the server reads a build's tree versions
(the document layer) and asks here. An engine *fits* a tree version when PoB lists it and its data is
present; one that lists it without the data is only a last resort (the host then says what is absent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pob_ls.engine.provisioning.layout import EngineLayout, version_key

FIX_COMMAND = "pob-ls engine install latest"


def choose_engine(engines: Sequence[EngineLayout], trees: Iterable[str]) -> EngineLayout | None:
    """The newest engine that fits every tree in `trees` (any engine when there are none), else None."""
    wanted = {t for t in trees if t}
    ordered = sorted(engines, key=lambda e: version_key(e.version), reverse=True)
    if not wanted:
        return ordered[0] if ordered else None
    for engine in ordered:
        if wanted <= set(engine.known_tree_versions):
            return engine
    for engine in ordered:
        if wanted <= set(engine.tree_versions):
            return engine
    return None


def unknown_trees(engines: Sequence[EngineLayout], trees: Iterable[str]) -> list[str]:
    """The tree versions in `trees` that no engine lists at all, sorted."""
    listed = {t for e in engines for t in e.tree_versions}
    return sorted({t for t in trees if t and t not in listed})


def no_engine_message(engines: Sequence[EngineLayout], trees: Iterable[str]) -> str:
    """One line: the tree version(s), each engine's range, and the command that fixes it."""
    wanted = unknown_trees(engines, trees) or sorted({t for t in trees if t})
    ranges = ", ".join(f"PoB {e.version} knows {e.tree_range}" for e in _newest_first(engines))
    noun = "tree" if len(wanted) == 1 else "trees"
    return (
        f"{noun} {', '.join(wanted)}: no installed PoB engine knows it ({ranges or 'no engine installed'}); "
        f"run `{FIX_COMMAND}` to get the newest PoB"
    )


def dedupe(engines: Iterable[EngineLayout]) -> list[EngineLayout]:
    """Engines newest first, each folder once (an install may also be found as a system PoB)."""
    seen: set[Path] = set()
    out: list[EngineLayout] = []
    for engine in engines:
        if engine.root in seen:
            continue
        seen.add(engine.root)
        out.append(engine)
    return _newest_first(out)


def _newest_first(engines: Iterable[EngineLayout]) -> list[EngineLayout]:
    return sorted(engines, key=lambda e: version_key(e.version), reverse=True)
