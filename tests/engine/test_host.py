"""The engine host against the real PoB: loading, failures, recovery, sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pob_ls.engine.host.host import BuildLoadError, PobHost
from pob_ls.engine.provisioning.layout import EngineLayout

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def host(engine: EngineLayout) -> Iterator[PobHost]:
    yield PobHost(engine)


def test_boot_reports_version_and_pins(host: PobHost, engine: EngineLayout) -> None:
    assert host.boot.version == engine.version
    assert host.boot.boot_seconds > 0
    assert "gemIdLookup" in host.boot.pinned


def test_result_model(host: PobHost, shared_builds: Path) -> None:
    xml = (shared_builds / "065-dominating-blow-of-inspiring-guardian-3-28.xml").read_text(encoding="utf-8")
    r = host.result(host.load_build(xml))
    assert (r.class_name, r.ascend_class_name, r.level, r.tree_version) == (
        "Templar",
        "Guardian",
        100,
        "3_28",
    )
    assert r.main_skill == "Dominating Blow of Inspiring"
    assert r.output["Life"] == 1  # this build runs on 1 life (saved PlayerStat Life=1)
    labels = [label for label, _ in r.sidebar]
    assert "Minion:" in labels and "Player:" in labels
    life = next(s for s in r.display_stats if s.stat == "Life" and s.section == "player")
    assert life.text == "1"
    assert any(
        p.code == "socket-limit" and p.entity == {"kind": "slot", "slot": "Helmet"} for p in r.problems
    )
    assert any(
        p.code == "config-unknown" and p.entity.get("name") == "useInspirationCharges" for p in r.problems
    )


def test_unknown_tree_version_is_a_clear_error_and_host_recovers(host: PobHost, shared_builds: Path) -> None:
    with pytest.raises(BuildLoadError, match="unrecognised version of the passive skill tree"):
        host.load_build((shared_builds / "079-righteous-fire-chieftain-3-29.xml").read_text(encoding="utf-8"))
    good = (shared_builds / "067-exsanguinate-trickster-3-28.xml").read_text(encoding="utf-8")
    assert host.result(host.load_build(good)).ascend_class_name == "Trickster"


def test_missing_glorious_vanity_data_is_a_clear_error(host: PobHost, shared_builds: Path) -> None:
    with pytest.raises(BuildLoadError, match="Glorious Vanity"):
        host.load_build((shared_builds / "072-eye-of-winter-pathfinder-3-28.xml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "xml",
    ["", "not xml at all", "<PathOfBuilding><Build level='x'/>", "<Other/>"],
)
def test_bad_xml_raises_load_error(host: PobHost, xml: str) -> None:
    with pytest.raises(BuildLoadError):
        host.load_build(xml)


def test_lua_cannot_reach_python_or_the_system(host: PobHost) -> None:
    lua = host.lua
    assert lua.execute("return python") is None
    assert lua.execute("return os.execute") is None
    assert lua.execute("return io.popen") is None
    assert lua.execute("return package.loadlib") is None
    assert lua.execute("return (pcall(require, 'ffi'))") is False
    assert lua.execute("return (io.open('/etc/passwd', 'r'))") is None
    assert lua.execute("return (io.open('../../../../../../etc/passwd', 'r'))") is None
    assert lua.execute("return (io.open('/tmp/pob-ls-escape', 'w'))") is None
    assert not Path("/tmp/pob-ls-escape").exists()
    assert lua.execute("return (load(string.dump(function() end)))") is None


def test_python_callbacks_refuse_attribute_access(host: PobHost) -> None:
    # Even a Python callable that Lua legitimately holds (zlib for PoB's Inflate) exposes nothing.
    get_cfg = "local _, cfg = debug.getupvalue(Inflate, 1) "
    assert host.lua.execute(get_cfg + "return type(cfg.inflate)") == b"userdata"
    with pytest.raises(Exception, match="Python attributes"):
        host.lua.execute(get_cfg + "return cfg.inflate.__class__")
    with pytest.raises(Exception, match="Python attributes"):
        host.lua.execute(get_cfg + "return cfg.inflate.__globals__")


def test_writes_go_to_the_cache_not_the_engine(host: PobHost, engine: EngineLayout) -> None:
    host.lua.execute("local f = io.open(GetScriptPath() .. '/pob-ls-probe.txt', 'w') f:write('x') f:close()")
    assert not (engine.script_dir / "pob-ls-probe.txt").exists()
    assert list((host.cache_dir / "overlay").rglob("pob-ls-probe.txt"))
    assert (
        host.lua.execute("local f = io.open('pob-ls-probe.txt') local s = f:read('*a') f:close() return s")
        == b"x"
    )


def test_missing_tree_data_is_named_and_host_recovers(
    host: PobHost, engine: EngineLayout, shared_builds: Path
) -> None:
    if "3_20" not in engine.missing_tree_versions:
        pytest.skip("this engine has the 3_20 tree data")
    good = (shared_builds / "067-exsanguinate-trickster-3-28.xml").read_text(encoding="utf-8")
    with pytest.raises(BuildLoadError, match="lacks the passive tree data for version 3_20"):
        host.load_build(good.replace('treeVersion="3_28"', 'treeVersion="3_20"'))
    assert host.result(host.load_build(good)).ascend_class_name == "Trickster"


def test_a_symlink_planted_in_the_cache_cannot_be_read_through(host: PobHost) -> None:
    import os

    outside = host.cache_dir / "planted-link"
    os.symlink("/etc/passwd", outside)
    overlay_link = host.cache_dir / "overlay" / "src-link"
    os.symlink("/etc/hostname", overlay_link)
    try:
        assert host.lua.execute(f"return (io.open('{outside}', 'r'))") is None
        assert host.lua.execute(f"return (io.open('{overlay_link}', 'r'))") is None
    finally:
        outside.unlink()
        overlay_link.unlink()


def test_vm_introspection_modules_are_absent(host: PobHost) -> None:
    assert host.lua.execute("return (pcall(require, 'jit.util'))") is False


def test_freed_builds_do_not_stay_alive(host: PobHost, shared_builds: Path) -> None:
    """Compiled JIT traces keep a freed build's closures alive until they are flushed, which the host
    does every few frees; failed loads count too. Without it every load/free kept ~20 MB for good."""
    xml = (shared_builds / "067-exsanguinate-trickster-3-28.xml").read_text(encoding="utf-8")
    for _ in range(9):
        host.free(host.load_build(xml))
    with pytest.raises(BuildLoadError):
        host.load_build(xml.replace('treeVersion="3_28"', 'treeVersion="9_99"'))
    assert int(host._api.freedAlive()) <= 4
