"""A PoB engine for the service tests (discovery first, then /tmp/pob/2.63.0) and one shared service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pob_ls.engine.host.host import EngineFiles
from pob_ls.engine.service.service import EngineRequestError, EngineService, StatusEvent

BUILDS = Path(__file__).resolve().parents[2].parent / "shared" / "builds"
FALLBACK_ENGINE = Path("/tmp/pob/2.63.0")
GOOD_BUILDS = ("065", "067", "070", "073", "076")


def find_engine_files() -> EngineFiles | None:
    try:
        from pob_ls.engine.provisioning.discovery import find_engine
        from pob_ls.engine.provisioning.layout import EngineError

        try:
            layout = find_engine()
            return EngineFiles(layout.root, layout.script_dir, list(layout.lua_lib_dirs), layout.version)
        except EngineError:
            pass
    except ImportError:
        pass
    if (FALLBACK_ENGINE / "src" / "Launch.lua").is_file():
        return EngineFiles(
            FALLBACK_ENGINE, FALLBACK_ENGINE / "src", [FALLBACK_ENGINE / "runtime/lua"], "2.63.0"
        )
    return None


def build_text(number: str) -> str:
    matches = sorted(BUILDS.glob(f"{number}-*.xml"))
    if not matches:
        pytest.skip(f"build {number} is absent from {BUILDS}")
    return matches[0].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def engine_files() -> EngineFiles:
    files = find_engine_files()
    if files is None:
        pytest.skip("no PoB engine (run `pob-ls engine install` or provide /tmp/pob/2.63.0)")
    return files


@dataclass
class Recorder:
    """What the service published, in order."""

    results: list[tuple[str, int, dict[str, Any] | EngineRequestError]] = field(default_factory=list)
    statuses: list[StatusEvent] = field(default_factory=list)

    def on_result(self, uri: str, version: int, payload: dict[str, Any] | EngineRequestError) -> None:
        self.results.append((uri, version, payload))

    def on_status(self, event: StatusEvent) -> None:
        self.statuses.append(event)

    def published(self, uri: str) -> list[int]:
        return [v for u, v, p in self.results if u == uri and not isinstance(p, EngineRequestError)]

    async def wait_status(
        self, kind: str, uri: str | None = None, after: int = 0, timeout: float = 30
    ) -> None:
        async with asyncio.timeout(timeout):
            while not any(e.kind == kind and (uri is None or e.uri == uri) for e in self.statuses[after:]):
                await asyncio.sleep(0.01)


@dataclass
class Harness:
    service: EngineService
    recorder: Recorder


def make_service(engine_files: EngineFiles, tmp: Path, recorder: Recorder, **overrides: Any) -> EngineService:
    options: dict[str, Any] = {
        "workers": 1,
        "load_deadline": 30.0,
        "request_deadline": 4.0,
        "debounce": 0.15,
        "memory_budget": None,
        "max_loaded_documents": 2,
        "lua_max_memory": 640 * 1024 * 1024,
        "cache_dir": tmp / "cache",
        "log_dir": tmp / "logs",
        "on_status": recorder.on_status,
        "on_result": recorder.on_result,
        "test_hooks": True,
    }
    options.update(overrides)
    return EngineService(engine_files, **options)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def harness(
    engine_files: EngineFiles, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    recorder = Recorder()
    service = make_service(engine_files, tmp_path_factory.mktemp("engine-service"), recorder)
    await service.start()
    try:
        yield Harness(service, recorder)
    finally:
        await service.stop()
