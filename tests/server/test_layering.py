"""ARCHITECTURE's first invariant, checked: the server process never loads Lua."""

from __future__ import annotations

import subprocess
import sys


def test_server_process_does_not_import_lupa() -> None:
    code = (
        "import sys, pob_ls.cli, pob_ls.server.app, pob_ls.engine.service.service, pob_ls.analysis, pob_ls.document;"
        "print(sorted(m for m in sys.modules if m.startswith('lupa')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
