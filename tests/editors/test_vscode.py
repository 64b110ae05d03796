"""The VS Code extension (editor/vscode): node unit tests, then an end-to-end run in real VS Code.

The unit tests need node and `npm ci` in editor/vscode. The end-to-end test needs code-server
4.100.3 (editor/vscode/scripts/install-code-server.sh) and Debian's Chromium; it skips, saying
so, when they are absent. Screenshots go to editor/vscode/test-results/ (or $POB_E2E_OUT).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ._common import BUILD, EDITOR, server_available, server_cmd

EXT = EDITOR / "vscode"
SKIP_EXIT = 77


def _npm_or_skip() -> str:
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        pytest.skip("node/npm not found")
    if not (EXT / "node_modules" / ".bin" / "tsc").exists():
        pytest.skip("editor/vscode has no node_modules (run `npm ci` in editor/vscode)")
    return npm


def _run(cmd: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=EXT, capture_output=True, text=True, timeout=timeout)


def test_unit_tests_under_node() -> None:
    npm = _npm_or_skip()
    proc = _run([npm, "test"], timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout


def test_extension_packages_offline() -> None:
    npm = _npm_or_skip()
    proc = _run([npm, "run", "package"], timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    vsix = EXT / "dist" / "pob-ls.vsix"
    assert vsix.exists()
    import zipfile

    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
    assert {"extension/dist/extension.js", "extension/syntaxes/pob.tmLanguage.json"} <= names
    assert not any("node_modules" in n for n in names), "the bundle needs no node_modules"
    assert manifest["contributes"]["languages"][0]["id"] == "pob"


def test_end_to_end_in_code_server(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    npm = _npm_or_skip()
    why = server_available()
    if why:
        pytest.skip(why)
    if not BUILD.exists():
        pytest.skip(f"{BUILD} is absent")
    vsix = EXT / "dist" / "pob-ls.vsix"
    if not vsix.exists():
        pkg = _run([npm, "run", "package"], timeout=300)
        assert pkg.returncode == 0, pkg.stdout[-4000:] + pkg.stderr[-2000:]
    out = Path(os.environ.get("POB_E2E_OUT", EXT / "test-results"))
    proc = _run(
        [
            "node",
            "test/e2e/run.mjs",
            "--build",
            str(BUILD),
            "--out",
            str(out),
            "--server-command",
            json.dumps(server_cmd()),
        ],
        timeout=600,
    )
    if proc.returncode == SKIP_EXIT:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    for shot in (
        "1-build-open.png",
        "2-hover.png",
        "3-problem.png",
        "4-stat-sheet.png",
        "5-server-missing.png",
    ):
        assert (out / shot).stat().st_size > 10_000, shot
