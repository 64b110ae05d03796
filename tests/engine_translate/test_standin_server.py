"""Through the server: pob-ls running the 2026-syntax stand-in (POB_LS_ENGINE) gives every oracle's stats.

One client profile, one server, the builds opened one after another. The stand-in is made by an
autouse fixture before the server starts, at a path fixed when the module is imported.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import REPO, SHARED_BUILDS, engine_or_skip
from tests.engine.oracle import close, oracle_builds, saved_stats
from tests.server.conftest import available_profiles, capabilities, open_doc, server_config, wait_calculated

pytestmark = [
    pytest.mark.engine,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

WORK = Path(tempfile.gettempdir()) / f"pob-ls-standin-server-{os.getpid()}"
STANDIN = WORK / "pob"
ORACLES = sorted(oracle_builds(SHARED_BUILDS).get("2.63.0", [])) if SHARED_BUILDS.is_dir() else []
PROFILES = available_profiles()[:1] or ["visual_studio_code"]


@pytest.fixture(scope="module", autouse=True)
def standin() -> Iterator[Path]:
    source = engine_or_skip("2.63.0").root
    spec = importlib.util.spec_from_file_location("make_standin", REPO / "scripts" / "make_standin.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_standin"] = module
    spec.loader.exec_module(module)
    shutil.rmtree(WORK, ignore_errors=True)
    module.make_standin(source, STANDIN, hardlink=True)
    yield STANDIN
    shutil.rmtree(WORK, ignore_errors=True)


@pytest_lsp.fixture(
    scope="module",
    config=server_config({"POB_LS_ENGINE": str(STANDIN), "POB_LS_CACHE_DIR": str(WORK / "cache")}),
    params=PROFILES,
)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(request.param), initialization_options={"debounce": 0}
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("build", ORACLES, ids=lambda p: p.name[:3])
async def test_oracle_stats_through_the_server(
    client: LanguageClient, build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = build.read_text(encoding="utf-8")
    uri = f"file:///tmp/pob-ls-tests/standin-{build.name}"
    open_doc(client, uri, xml, 1)
    status = await wait_calculated(client, uri, 1, timeout=300)
    assert status["state"] == "ready", status
    # pygls turns JSON objects into named tuples, renaming keys such as "Spec:LifeInc": keep dicts
    monkeypatch.setattr("pygls.protocol._dict_to_object", lambda d: d)
    sheet = await client.protocol.send_request_async("pob/statSheet", {"uri": uri})
    result = sheet["result"]
    assert result is not None, sheet["markdown"]
    checked = 0
    for tag, key in (("PlayerStat", "player_stats"), ("MinionStat", "minion_stats")):
        got = result[key]
        for stat, expected in saved_stats(xml)[tag].items():
            assert stat in got, f"{build.name}: {stat} missing"
            assert close(expected, float(got[stat])), f"{build.name}: {stat} {expected} != {got[stat]}"
            checked += 1
    assert checked > 50
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
