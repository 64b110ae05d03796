"""The typed boundary does its job: a misspelt result key, a request's reply and a question's answer are
all mypy's business. Runs mypy on a few lines that use the boundary the way analysis and the server do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """
from pob_ls.engine.messages import BuildResultJson, DescribeNode, GetResult, ListCatalog


def rows(result: BuildResultJson) -> object:
    return result["sidebar_rows"]  # the old name of `sidebar`: an error now


def warned(result: BuildResultJson) -> bool:
    return result["display_stats"][0]["warning"]  # the old name of `warn`


async def answers(service: "EngineService") -> None:
    reveal_type(await service.ask("u", DescribeNode(1)))
    reveal_type(await service.ask("u", ListCatalog()))
    reveal_type(await service._request(service._slots[0], GetResult("u"), 1.0))


from pob_ls.engine.service import EngineService
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("mypy")
    folder = tmp_path_factory.mktemp("typed")
    probe = folder / "probe.py"
    probe.write_text(SNIPPET, encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--ignore-missing-imports",
            str(probe),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return run.stdout + run.stderr


def test_a_misspelt_result_key_is_a_type_error(mypy_output: str) -> None:
    assert '"BuildResultJson" has no key "sidebar_rows"' in mypy_output
    assert '"DisplayStatJson" has no key "warning"' in mypy_output


def test_each_question_and_request_has_its_answer_type(mypy_output: str) -> None:
    assert 'Revealed type is "TypedDict(pob_ls.engine.messages.NodeDetails, {' in mypy_output
    assert 'Revealed type is "TypedDict(pob_ls.engine.messages.Catalog, {' in mypy_output
    assert 'Revealed type is "pob_ls.engine.messages.DocumentResult"' in mypy_output
