"""What a second engine costs: two engine services (2.63.0 and 2.55.5) side by side, one build each.

Not a test: prints figures. Each engine is its own service, so a second engine adds a zygote and a worker.
A forked worker shares pages copy-on-write with its zygote: RSS counts them in both, PSS splits them.
Run: .venv/bin/python benchmarks/bench_engine_memory.py [--first 2.63.0 --second 2.55.5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench_service import memory_mb

from pob_ls.engine.provisioning.discovery import find_engine
from pob_ls.engine.provisioning.layout import EngineFiles
from pob_ls.engine.service.service import EngineService

BUILDS = Path(__file__).resolve().parents[1].parent / "shared" / "builds"
BUILD_FOR = {"2.63.0": "065", "2.55.5": "007"}


async def one_engine(version: str, log_root: Path) -> tuple[EngineService, dict[str, tuple[float, float]]]:
    layout = find_engine(version)
    files = EngineFiles(layout.root, layout.script_dir, layout.lua_lib_dirs, layout.version)
    service = EngineService(files, workers=1, debounce=0.0, load_deadline=120.0, log_dir=log_root / version)
    await service.start()
    build = next(BUILDS.glob(f"{BUILD_FOR.get(version, '065')}-*.xml"))
    service.update(build.as_uri(), 1, build.read_text(encoding="utf-8"))
    await service.result(build.as_uri())
    (worker,) = service.worker_pids()
    zygote = service.zygote_pid
    assert worker is not None
    figures = {"worker": memory_mb(worker)}
    if zygote is not None:
        figures["zygote"] = memory_mb(zygote)
    return service, figures


async def main(first: str, second: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        services = []
        try:
            for version in (first, second):
                service, figures = await one_engine(version, Path(tmp))
                services.append(service)
                rss = sum(r for r, _ in figures.values())
                pss = sum(p for _, p in figures.values())
                parts = ", ".join(f"{k} RSS {r:.0f} MB / PSS {p:.0f} MB" for k, (r, p) in figures.items())
                print(f"PoB {version}: {parts}; together RSS {rss:.0f} MB, PSS {pss:.0f} MB")
        finally:
            for service in services:
                await service.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", default="2.63.0")
    parser.add_argument("--second", default="2.55.5")
    args = parser.parse_args()
    asyncio.run(main(args.first, args.second))
