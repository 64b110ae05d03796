"""Lua cannot reach Python, the network, subprocesses or files outside the engine's cache dir.

`tests/engine/test_host.py` covers the obvious doors (python, os.execute, io.popen, ffi, binary
chunks, plain path escapes); this adds sockets, environment variables, walking the registry and
upvalues to every Python object Lua can see and calling them with hostile arguments, the memory
limit with the collector stopped, `..` traversal from the cache dir, symlinks planted in the cache,
and that a server session writes nothing next to the builds it opened.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pob_ls.engine.host.host import PobHost
from tests.conftest import engine_or_skip
from tests.stress.harness import build_text, close_doc, open_doc, start_server, stop_server, wait_for

pytestmark = pytest.mark.engine

# Every userdata reachable from the registry, _G, metatables, function environments and upvalues.
WALK = """
local seen, found = {}, {}
local function walk(v, depth)
  if v == nil or depth > 8 or seen[v] then return end
  seen[v] = true
  local tv = type(v)
  if tv == 'userdata' then found[#found + 1] = v return end
  if tv == 'table' then
    for k, x in pairs(v) do walk(k, depth + 1) walk(x, depth + 1) end
    walk(getmetatable(v), depth + 1)
  elseif tv == 'function' then
    local i = 1
    while true do
      local name, up = debug.getupvalue(v, i)
      if not name then break end
      walk(up, depth + 1)
      i = i + 1
    end
    walk(debug.getfenv(v), depth + 1)
  end
end
walk(debug.getregistry(), 0)
walk(_G, 0)
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PobHost]:
    layout = engine_or_skip()
    cache = tmp_path_factory.mktemp("isolation") / "cache"
    yield PobHost(layout, cache_dir=cache, max_memory=400 * 1024 * 1024)


def test_no_sockets_no_environment_no_native_code(host: PobHost) -> None:
    lua = host.lua
    for module in ("socket", "socket.core", "lcurl", "lcurl.safe", "ffi", "posix", "lfs", "io"):
        ok, value = lua.execute(f"return pcall(require, '{module}')")
        assert not ok or value in (None, True) or module == "io", (module, value)  # preload stubs give true
    assert lua.execute("return os.getenv('HOME')") is None
    assert lua.execute("return os.getenv('PATH')") is None
    assert lua.execute("return package.loadlib") is None
    assert lua.execute("return (load(string.dump(function() return 1 end)))") is None
    assert lua.execute("return (loadstring(string.dump(function() return 1 end)))") is None


def test_python_objects_reachable_from_lua_expose_nothing_and_stay_confined(
    host: PobHost, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    lua = host.lua
    kinds = lua.execute(
        WALK
        + "local r = {} for _, u in ipairs(found) do r[#r + 1] = tostring(u) end return table.concat(r, '\\n')"
    )
    python_objects = [k for k in kinds.decode().splitlines() if not k.startswith("file (")]
    assert python_objects, "expected the sandbox's few callables to be reachable (the walk is broken)"
    for attr in ("__class__", "__self__", "__globals__", "__func__", "__dict__"):
        leaked = lua.execute(
            WALK + f"local n = 0 for _, u in ipairs(found) do if pcall(function() return u.{attr} end) "
            "and tostring(u):sub(1, 5) ~= 'file ' then n = n + 1 end end return n"
        )
        assert leaked == 0, attr
    # Call every Python callable with paths outside the cache: nothing is created, removed or listed.
    target = str(outside).encode()
    listed = lua.execute(
        WALK
        + """
local target = ...
local listed = 0
for _, u in ipairs(found) do
  if tostring(u):sub(1, 5) ~= 'file ' then
    for _, args in ipairs({
      {target .. '/made/x', target .. '/made/x', false},
      {target .. '/secret.txt'},
      {target .. '/*', target .. '/*', false},
      {target .. '/../outside/*', '', false},
      {'/etc/*', '', false},
    }) do
      local ok, r = pcall(u, unpack(args))
      if ok and type(r) == 'table' and #r > 0 then listed = listed + 1 end
    end
  end
end
return listed
""",
        target,
    )
    assert listed == 0, "a Python callable listed a folder outside the engine and the cache"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret"


def test_memory_limit_holds_with_the_collector_stopped(host: PobHost) -> None:
    from lupa import luajit21

    with pytest.raises(luajit21.LuaMemoryError):
        host.lua.execute(
            "collectgarbage('stop') local t = {} for i = 1, 1e6 do t[i] = string.rep('x', 1e6) .. i end"
        )
    host.lua.execute("collectgarbage('restart') collectgarbage()")
    assert host.lua.execute("return collectgarbage('count')") < 400 * 1024
    assert host.lua.execute("return 1 + 1") == 2


def test_dot_dot_traversal_from_the_cache_is_refused(host: PobHost) -> None:
    cache = host.cache_dir
    escape = cache.parent / "pob-ls-escape.txt"
    for start in ("GetRuntimePath()", "GetUserPath()", f"'{cache}'", f"'{cache}/overlay'"):
        for mode in ("w", "a", "r+", "wb"):
            code = f"local f = io.open({start} .. '/../../pob-ls-escape.txt', '{mode}') if f then f:write('x') f:close() end return f ~= nil"
            lua_says = host.lua.execute(code)
            assert lua_says is False, (start, mode)
    assert not escape.exists()
    assert host.lua.execute(f"return (os.remove('{escape}'))") is None
    assert host.lua.execute(f"return (MakeDir('{cache}/../made'))") is None
    assert not (cache.parent / "made").exists()


def test_symlink_in_the_cache_pointing_outside_cannot_be_written_through(
    host: PobHost, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = host.cache_dir / "overlay" / "stress-link"
    if link.is_symlink():
        link.unlink()
    os.symlink(outside, link)
    try:
        for mode in ("w", "a"):
            code = f"local ok, f = pcall(io.open, '{link}/pwned.txt', '{mode}') if ok and f then f:write('x') f:close() return true end return false"
            assert host.lua.execute(code) is False, mode
        assert host.lua.execute(f"return (pcall(MakeDir, '{link}/sub'))") in (False, None)
        assert list(outside.iterdir()) == []
    finally:
        link.unlink()


def test_a_server_session_writes_nothing_next_to_the_builds(tmp_path: Path) -> None:
    engine_or_skip()
    folder = tmp_path / "project"
    folder.mkdir()
    build = folder / "065.pob"
    build.write_text(build_text("065"), encoding="utf-8")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())

    async def session() -> None:
        client = await start_server()
        try:
            uri = build.as_uri()
            open_doc(client, uri, build.read_text(encoding="utf-8"), 1)
            await wait_for(lambda: client.record.calculated(uri, 1), 90, "the build")
            close_doc(client, uri)
        finally:
            await stop_server(client)

    asyncio.run(session())
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == before
