"""editor/emacs/pob-mode.el with Emacs 28 + eglot 1.9 (Debian: emacs-nox elpa-eglot), in batch mode.

Not `-Q`: Debian's site-start puts eglot on the load path. eglot-ensure does nothing in batch,
so the probe calls `(eglot ...)` with the contact pob-mode registers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ._common import BUILD, EDITOR, copy_build, server_available, server_cmd

PROBE = Path(__file__).with_name("emacs_probe.el")


def _emacs_or_skip() -> str:
    emacs = shutil.which("emacs")
    if not emacs:
        pytest.skip("emacs not found (apt-get install -y emacs-nox elpa-eglot)")
    probe = subprocess.run(
        [emacs, "--batch", "--eval", '(progn (require \'eglot) (princ "ok"))'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.stdout.strip() != "ok":
        pytest.skip("eglot is not available to Emacs (apt-get install -y elpa-eglot)")
    return emacs


def _probe(tmp: Path, **env_extra: str) -> dict[str, dict]:
    emacs = _emacs_or_skip()
    why = server_available()
    if why:
        pytest.skip(why)
    if not BUILD.exists():
        pytest.skip(f"{BUILD} is absent")
    build = copy_build(tmp)
    env = dict(
        os.environ, HOME=str(tmp), POB_EMACS_DIR=str(EDITOR / "emacs"), POB_LS_CMD=json.dumps(server_cmd())
    )
    env["XDG_DATA_HOME"] = os.environ.get("XDG_DATA_HOME", str(Path.home() / ".local" / "share"))
    env.update(env_extra)
    proc = subprocess.run(
        [emacs, "--batch", "-l", str(PROBE), str(build)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    steps: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            steps[obj.get("step", "fatal" if "fatal" in obj else "?")] = obj
    assert "fatal" not in steps, f"{steps['fatal']}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return steps


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory, engine) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return _probe(tmp_path_factory.mktemp("emacs"))


def test_pob_mode_and_eglot(probe: dict[str, dict]) -> None:
    assert probe["mode"]["mode"] == "pob-mode"
    assert probe["attached"]["server"]
    assert probe["attached"]["hover"] is True


def test_status_in_mode_line(probe: dict[str, dict]) -> None:
    assert probe["status"]["status"]["state"] == "ready"
    assert probe["status"]["modeline"].startswith(" [PoB")


def test_diagnostics(probe: dict[str, dict]) -> None:
    assert probe["diagnostics"]["count"] > 0
    assert any("Config option" in d["message"] for d in probe["diagnostics"]["items"])


def test_hover_on_build(probe: dict[str, dict]) -> None:
    assert "Trickster" in probe["hover"]["text"] and "Combined DPS" in probe["hover"]["text"]


def test_stats_and_share_code_commands(probe: dict[str, dict]) -> None:
    assert "Combined DPS" in probe["stats"]["text"]
    assert probe["share_code"]["length"] > 100


def test_settings_reach_the_server_as_initialization_options(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """eglot 1.9 answers workspace/configuration with nothing for "pob": initializationOptions count."""
    steps = _probe(tmp_path, POB_PROBE_NO_CONFIG_WARNINGS="1", POB_PROBE_TIMEOUT="40")
    assert steps["status"]["status"]["state"] == "ready"
    assert not any("Config option" in d["message"] for d in steps["diagnostics"]["items"]), steps[
        "diagnostics"
    ]
