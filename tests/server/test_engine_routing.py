"""End to end: two engines in one server, each build computed by the engine that fits its tree version.

The data dir holds the installed PoB 2.55.5 (linked) and a copy of the installed 2.63.0 made of hard links,
without the tree data of 3_26 (so 2.63.0 lists 3_26 but cannot load it). With the real installs 2.63.0
knows every tree 2.55.5 knows (both have 3_26); the copy is how a build reaches the older engine here.
So: 065 (3_28) goes to 2.63.0, 007 (3_26) to 2.55.5, both reproduce their saved stats through the
server, 079 (3_29) gets one diagnostic naming both ranges and the fix, and a configured `pob.engine`
sends every build to that engine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from pob_ls.engine.provisioning.paths import engines_dir
from tests.conftest import SHARED_BUILDS
from tests.engine.oracle import close, saved_stats
from tests.server.conftest import (
    SERVER,
    capabilities,
    current_diagnostics,
    make_client,
    open_doc,
    recorder,
    wait_until,
)

pytestmark = [
    pytest.mark.engine,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

INSTALLED = engines_dir()
BUILDS = {
    "065": SHARED_BUILDS / "065-dominating-blow-of-inspiring-guardian-3-28.xml",
    "007": SHARED_BUILDS / "007-penance-brand-of-dissipation-inquisitor-3-26.xml",
    "079": SHARED_BUILDS / "079-righteous-fire-chieftain-3-29.xml",
}
URIS = {name: f"file:///tmp/pob-ls-routing/{name}.pob" for name in BUILDS}
HIDDEN = (
    "POB_LS_ENGINE",
    "POB_LS_ENGINE_SOURCE",
    "APPDATA",
    "PROGRAMDATA",
    "ProgramFiles",
    "LOCALAPPDATA",
    "WINEPREFIX",
)


def _link_tree(source: Path, dest: Path, skip: set[str]) -> None:
    """`dest` as a copy of `source` made of hard links (plain copies where linking fails), minus `skip`."""
    for dirpath, _dirs, files in os.walk(source):
        here = Path(dirpath)
        (dest / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for name in files:
            rel = (here / name).relative_to(source).as_posix()
            if rel in skip:
                continue
            try:
                os.link(here / name, dest / rel)
            except OSError:
                shutil.copy2(here / name, dest / rel)


def _data_dir(root: Path) -> Path:
    for version in ("2.63.0", "2.55.5"):
        if not (INSTALLED / version / "src" / "Launch.lua").is_file():
            pytest.skip(f"PoB {version} is not installed")
    for path in BUILDS.values():
        if not path.is_file():
            pytest.skip(f"{path} is absent")
    engines = root / "data" / "engines"
    engines.mkdir(parents=True)
    (engines / "2.55.5").symlink_to(INSTALLED / "2.55.5", target_is_directory=True)
    real = INSTALLED / "2.63.0"
    skip = {
        p.relative_to(real).as_posix()
        for p in (real / "src" / "TreeData").glob("3_26*/*")
        if p.name in ("tree.lua", "data.json")
    }
    assert skip, "2.63.0 has no 3_26 tree data to leave out"
    _link_tree(real, engines / "2.63.0", skip)
    return root / "data"


def _config(root: Path) -> ClientServerConfig:
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    env.update(
        POB_LS_DATA_DIR=str(_data_dir(root)),
        POB_LS_CACHE_DIR=str(root / "cache"),
        HOME=str(root / "home"),
    )
    return ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=env)


@pytest.fixture(scope="module")
def routing_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("routing")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(routing_root: Path):  # type: ignore[no-untyped-def]
    config = _config(routing_root)
    lsp_client = await config.start()
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities("visual_studio_code"),
            initialization_options={"debounce": 20},
            client_info=types.ClientInfo(name="pytest (routing)"),
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()
    await lsp_client.stop()


async def _computed(client: LanguageClient, uri: str) -> dict[str, Any]:
    """The "ready" status of version 1 of `uri`. On this shared 2-core machine a first load can pass the
    service's 30 s first-load deadline; the service then retries once in a new worker, so wait for that."""

    def ready() -> dict[str, Any] | None:
        for status in recorder(client).statuses:
            if status.get("uri") == uri and status.get("version") == 1 and status.get("state") == "ready":
                return status
        return None

    status: dict[str, Any] = await wait_until(ready, 300, f"{uri} to be computed")
    return status


def _builds(status: dict[str, Any]) -> dict[str, str | None]:
    """`pob/status` `builds` ([{uri, engine}]) as uri -> engine."""
    return {b.uri: b.engine for b in status.get("builds") or []}


async def _result(client: LanguageClient, uri: str) -> dict[str, Any]:
    sheet = await client.protocol.send_request_async("pob/statSheet", {"uri": uri})
    result = sheet.result
    assert result is not None, sheet.markdown
    return result._asdict() if hasattr(result, "_asdict") else dict(result)


def _assert_oracle(name: str, result: dict[str, Any]) -> int:
    """Every saved PlayerStat the client can name equals the server's (pygls' converter turns the reply
    into named tuples, which cannot keep names such as `Spec:LifeInc`: those are left out here and
    checked by tests/engine/test_oracle_builds.py)."""
    stats = result["player_stats"]
    values = stats._asdict() if hasattr(stats, "_asdict") else dict(stats)
    saved = {
        k: v
        for k, v in saved_stats(BUILDS[name].read_text(encoding="utf-8"))["PlayerStat"].items()
        if k.isidentifier()
    }
    assert saved
    for stat, expected in saved.items():
        assert stat in values, f"{name}: {stat} missing"
        assert close(expected, float(values[stat])), f"{name}: {stat} {expected} != {values[stat]}"
    return len(saved)


async def test_a_3_28_build_goes_to_2_63_0_and_matches_its_oracle(server: LanguageClient) -> None:
    open_doc(server, URIS["065"], BUILDS["065"].read_text(encoding="utf-8"))
    status = await _computed(server, URIS["065"])
    assert status["engine"] == "PoB 2.63.0" and status["state"] == "ready", status
    assert _assert_oracle("065", await _result(server, URIS["065"])) > 40


async def test_a_tree_only_2_55_5_can_load_goes_to_2_55_5_and_matches_its_oracle(
    server: LanguageClient,
) -> None:
    open_doc(server, URIS["007"], BUILDS["007"].read_text(encoding="utf-8"))
    status = await _computed(server, URIS["007"])
    assert status["engine"] == "PoB 2.55.5" and status["state"] == "ready", status
    assert _assert_oracle("007", await _result(server, URIS["007"])) > 40
    booted = [s for s in recorder(server).statuses if s["state"] == "booting" and s.get("engine")]
    assert {s["engine"] for s in booted} == {"PoB 2.63.0", "PoB 2.55.5"}


async def test_a_tree_no_engine_knows_gets_one_diagnostic_and_document_features_work(
    server: LanguageClient,
) -> None:
    text = BUILDS["079"].read_text(encoding="utf-8")
    uri = URIS["079"]
    open_doc(server, uri, text)

    def published() -> list[types.Diagnostic] | None:
        pushes = recorder(server).published.get(uri) or []
        found = [d for d in (pushes[-1][1] if pushes else []) if d.code == "no-engine-for-tree"]
        return found or None

    (diag,) = await wait_until(published, 60, "the no-engine diagnostic")
    diags = await current_diagnostics(server, uri, 1)
    assert [d.code for d in diags].count("no-engine-for-tree") == 1
    assert "tree 3_29: no installed PoB engine knows it" in diag.message
    assert "PoB 2.63.0 knows 2_6-3_28" in diag.message and "PoB 2.55.5 knows 2_6-3_26" in diag.message
    assert "`pob-ls engine install latest`" in diag.message
    line = text[: text.index('treeVersion="3_29"')].count("\n")
    assert diag.range.start.line == line

    symbols = await server.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols, "document symbols need no engine"
    status = recorder(server).statuses[-1]
    assert _builds(status) == {URIS["065"]: "PoB 2.63.0", URIS["007"]: "PoB 2.55.5", uri: None}


async def test_the_configured_engine_computes_every_build(server: LanguageClient) -> None:
    seen = len(recorder(server).statuses)
    server.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"pob": {"engine": "2.55.5", "debounce": 20}})
    )

    def all_on_2_55_5() -> dict[str, Any] | None:
        for status in recorder(server).statuses[seen:]:
            if status.get("uri") == URIS["065"] and status.get("engine") == "PoB 2.55.5":
                return _builds(status)
        return None

    builds = await wait_until(all_on_2_55_5, 180, "065 to be computed by the configured 2.55.5")
    assert set(builds.values()) == {"PoB 2.55.5"}, builds
