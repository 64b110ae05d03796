"""Starting a child process (zygote or spawned worker): its command line, environment and log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pob_ls
from pob_ls.engine.service.protocol import WorkerConfig, config_to_json

ZYGOTE_MODULE = "pob_ls.engine.service.zygote"
WORKER_MODULE = "pob_ls.engine.service.worker"


def child_env() -> dict[str, str]:
    """Children import pob_ls from the same place as we do, installed or not."""
    env = dict(os.environ)
    here = str(Path(pob_ls.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    return env


def child_command(module: str, fd: int, config: WorkerConfig) -> list[str]:
    return [sys.executable, "-m", module, "--fd", str(fd), "--config", config_to_json(config)]


def spawn_child(
    module: str, config: WorkerConfig, log_path: Path
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Run `python -m module` with one end of a socket pair; its output goes to `log_path`."""
    mine, theirs = socket.socketpair()
    with open(log_path, "ab") as log:
        popen = subprocess.Popen(
            child_command(module, theirs.fileno(), config),
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=child_env(),
        )
    theirs.close()
    return popen, mine
