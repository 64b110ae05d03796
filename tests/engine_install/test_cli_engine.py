"""`pob-ls engine ...`: exit codes and one-line errors, dispatched the way pob_ls/cli.py does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from pob_ls.cli.engine import add_engine_subcommands

MakeEngine = Callable[..., Path]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pob-ls")
    add_engine_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("pob-ls: error: ")
    return lines[0]


def test_install_list_where_remove(make_engine: MakeEngine, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("engine", "install", "--from", str(make_engine())) == 0
    out = capsys.readouterr().out
    assert "installed PoB 9.1.0" in out and "unverified (not in the pinned manifest): 7" in out
    assert "missing tree versions: 3_2" in out

    assert run("engine", "list") == 0
    assert capsys.readouterr().out.startswith("9.1.0\t")

    assert run("engine", "where") == 0
    captured = capsys.readouterr()
    assert captured.out.strip().endswith("9.1.0") and "found via installed" in captured.err

    assert run("engine", "remove", "9.1.0") == 0
    assert "removed" in capsys.readouterr().out
    assert run("engine", "list") == 0
    assert "no engines installed" in capsys.readouterr().err


def test_install_from_missing_path_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("engine", "install", "--from", str(tmp_path / "nowhere")) == 2
    assert "does not exist" in _one_error_line(capsys.readouterr().err)


def test_install_version_mismatch_is_one_line_error(
    make_engine: MakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("engine", "install", "9.2.0", "--from", str(make_engine())) == 2
    assert "not the requested 9.2.0" in _one_error_line(capsys.readouterr().err)


def test_where_with_bad_engine_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("engine", "where", "--engine", str(tmp_path / "nope")) == 2
    assert "nope" in _one_error_line(capsys.readouterr().err)


def test_remove_unknown_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("engine", "remove", "1.2.3") == 2
    assert "no installed engine '1.2.3'" in _one_error_line(capsys.readouterr().err)


def test_engine_without_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("engine") == 2
    assert "choose an engine command" in capsys.readouterr().err
