"""TEST ONLY: faults a worker injects on request (loop, exhaust its Lua heap, exit), so the
service's deadlines, memory errors and restarts can be tested. Refused unless the config enables them.
"""

from __future__ import annotations

import os
import sys

from lupa import luajit21

from pob_ls.engine.host.host import PobHost
from pob_ls.engine.service.protocol import ErrorReply, TestHook, WorkerConfig

_LOOP_FOREVER = "while true do end"
_ALLOCATE_FOREVER = (
    "collectgarbage('stop') local t, i = {}, 0 "
    "while true do i = i + 1 t[i] = string.rep('x', 16777216 + i) end"
)


def run_test_hook(host: PobHost, config: WorkerConfig, message: TestHook) -> ErrorReply:
    if not config.test_hooks:
        return ErrorReply("refused", "test hooks are disabled in this worker")
    if message.action == "exit":
        sys.stderr.flush()
        os._exit(message.code)
    if message.action == "loop":
        host.lua.execute(_LOOP_FOREVER)
    elif message.action == "allocate":
        try:
            host.lua.execute(_ALLOCATE_FOREVER)
        except luajit21.LuaMemoryError as exc:
            host.lua.execute("collectgarbage('restart')")
            host.collect_garbage()
            return ErrorReply("out_of_memory", f"the PoB engine ran out of memory: {exc}")
    return ErrorReply("bad_request", f"unknown test hook {message.action!r}")
