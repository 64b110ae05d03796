"""A stand-in PoB release in LuaJIT's 2026 syntax (made from the installed 2.63.0) runs exactly like 2.63.0.

The stand-in is made once per module by scripts/make_standin.py into a tmp dir (unchanged files are
hard links, rewritten ones new files). Booting PoB costs seconds: one host serves most tests.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pob_ls.engine.host import PobHost, update_build
from pob_ls.engine.provisioning import EngineError, detect_layout
from tests.conftest import REPO, SHARED_BUILDS, engine_or_skip, fingerprint
from tests.engine.oracle import close, oracle_builds, saved_stats
from tests.engine_incremental.conftest import differences
from tests.engine_incremental.edits import EDITS

pytestmark = pytest.mark.engine

ORACLES = sorted(oracle_builds(SHARED_BUILDS).get("2.63.0", [])) if SHARED_BUILDS.is_dir() else []


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_standin", REPO / "scripts" / "make_standin.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_standin"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, dict[str, str]]]:
    source = engine_or_skip("2.63.0").root
    dest = tmp_path_factory.mktemp("standin") / "pob"
    report = _script().make_standin(source, dest, hardlink=True)
    before = fingerprint(dest)
    yield dest, report, before
    assert fingerprint(dest) == before, "the stand-in engine folder changed"
    shutil.rmtree(dest)  # a full copy when hard links are not possible: do not leave 360 MB behind


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("standin-cache")


@pytest.fixture(scope="module")
def host(standin: tuple[Path, Any, dict[str, str]], cache: Path) -> PobHost:
    return PobHost(detect_layout(standin[0]), cache_dir=cache)


def test_the_standin_uses_every_operator_and_plain_lupa_rejects_it(standin: tuple[Path, Any, Any]) -> None:
    _, report, _ = standin
    assert set(report.per_operator) == {"+=", "-=", "*=", "/=", "%=", "^=", "..="}
    assert report.total > 500
    assert report.kinds["field"] > 0 and report.kinds["index"] > 0 and report.kinds["name"] > 0
    assert report.before_comment > 0
    assert report.files and report.rejected_by_plain_lupa == len(report.files)


def test_boot_translates_the_standin(host: PobHost, cache: Path) -> None:
    stats = host.translation_stats()
    assert stats["translated"] > 5
    assert len(list((cache / "translated").glob("*.lua"))) >= stats["translated"]


@pytest.mark.parametrize("build", ORACLES, ids=lambda p: p.name[:3])
def test_oracle_builds_reproduced_exactly(host: PobHost, build: Path) -> None:
    xml = build.read_text(encoding="utf-8")
    result = host.result(host.load_build(xml))
    saved = saved_stats(xml)
    checked = 0
    for tag, got in (("PlayerStat", result.player_stats), ("MinionStat", result.minion_stats)):
        values = dict(got)
        for stat, expected in saved[tag].items():
            assert stat in values, f"{build.name}: {stat} missing"
            assert close(expected, float(values[stat])), f"{build.name}: {stat} {expected} != {values[stat]}"
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("edit", ["gem_level", "item_line", "passive_remove"])
def test_incremental_edit_equals_a_full_reload(host: PobHost, edit: str) -> None:
    if not ORACLES:
        pytest.skip("no oracle build")
    text = ORACLES[0].read_text(encoding="utf-8")
    handle = host.load_build(text)
    new = EDITS[edit](text, 3, 7)
    outcome = update_build(host, handle, text, new)
    ref = host.load_build(new)
    try:
        assert not differences(host.result(outcome.handle), host.result(ref)), outcome.kind
    finally:
        host.free(ref)
        host.free(outcome.handle)


def test_a_second_boot_reads_every_translation_from_the_cache(
    host: PobHost, standin: tuple[Path, Any, Any], cache: Path
) -> None:
    first = host.translation_stats()["translated"]  # after the builds above: every module loaded
    assert first >= len(standin[1].files) // 2
    again = PobHost(detect_layout(standin[0]), cache_dir=cache)
    if ORACLES:
        xml = ORACLES[0].read_text(encoding="utf-8")
        assert (
            again.result(again.load_build(xml)).player_stats == host.result(host.load_build(xml)).player_stats
        )
    stats = again.translation_stats()
    assert stats["translated"] == 0
    assert stats["cache_hits"] >= first


def test_unknown_syntax_stops_the_boot_naming_file_line_and_construct(
    standin: tuple[Path, Any, Any], tmp_path: Path
) -> None:
    broken = tmp_path / "pob"
    _script().copy_engine(standin[0], broken, True)
    main = broken / "src" / "Modules" / "Main.lua"
    lines = main.read_text(encoding="latin-1").split("\n")
    lines[9] += " local _pobls_probe = a ?? b"  # line 10
    main.unlink()
    main.write_text("\n".join(lines), encoding="latin-1")
    try:
        with pytest.raises(EngineError, match=r"Modules/Main\.lua:10: .*nil-coalescing operator '\?\?'"):
            PobHost(detect_layout(broken), cache_dir=tmp_path / "cache")
    finally:
        shutil.rmtree(broken)


def test_plain_engine_pays_nothing_and_loader_errors_are_clear(tmp_path: Path) -> None:
    layout = engine_or_skip("2.63.0")
    host = PobHost(layout, cache_dir=tmp_path / "cache")
    assert host.translation_stats() == {"translated": 0, "cache_hits": 0}
    probe = host.cache_dir / "probe"
    probe.mkdir()

    def load(name: str, text: str) -> tuple[Any, ...]:
        (probe / name).write_text(text, encoding="utf-8")
        out = host.lua.execute(
            "local f, err = loadfile(...) if f then return true, f() end return false, err",
            str(probe / name).encode(),
        )
        return tuple(x.decode() if isinstance(x, bytes) else x for x in out)

    assert load("ok.lua", "local t = {n = 1}\nt.n += 41 -- 2026\nreturn t.n") == (True, 42)
    ok, err = load("coal.lua", "local a\n\nlocal b = a ?? 1\nreturn b")
    assert not ok and f"{probe / 'coal.lua'}:3:" in err and "'??'" in err
    ok, err = load("bad.lua", "local a = 1\na += 1;;\n")  # the translator lets `;;` through; LuaJIT 2.1 not
    assert not ok and "/probe/bad.lua:2:" in err, err  # LuaJIT shortens long chunk names from the left
    assert "translation of LuaJIT 2026 syntax" in err, err
    ok, err = load("plain.lua", "local a = 1\nlocal b = = 2\n")  # not 2026 syntax: an ordinary error
    assert not ok and "/probe/plain.lua:2:" in err, err
    f, err = host.lua.execute("return loadfile(...)", str(probe / "absent.lua").encode())
    assert f is None and b"absent.lua" in err
    assert host.translation_stats()["translated"] == 2  # ok.lua and bad.lua
