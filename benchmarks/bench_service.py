"""Engine service figures: getting a worker (fork from the booted zygote vs spawn), memory per worker
and per extra open build, measured side by side in one run.

Not a test: prints figures. Run: .venv/bin/python benchmarks/bench_service.py [--engine X]
Targets (issue 3): extra open build <= 25 MB; worker after boot with one build <= 450 MB RSS.
RSS here includes garbage not yet collected (PoB sets LuaJIT's GC pause to 400%): bench_engine.py
measures the same per-build growth after a full collection.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from pob_ls.engine.provisioning.discovery import find_engine
from pob_ls.engine.provisioning.layout import EngineFiles
from pob_ls.engine.service.service import EngineService

BUILDS = Path(__file__).resolve().parents[1].parent / "shared" / "builds"
ORDER = ["065", "067", "070", "073", "076"]


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS): PSS splits the pages a forked worker still shares copy-on-write with the zygote."""
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0]] = int(parts[1]) / 1024
    return values["Rss:"], values["Pss:"]


async def launches(files: EngineFiles, method: str, tmp: Path) -> list[float]:
    service = EngineService(files, workers=2, start_method=method, cache_dir=tmp / "c", log_dir=tmp / method)
    await service.start()
    try:
        return [r.seconds for r in service.launches]
    finally:
        await service.stop()


async def memory(files: EngineFiles, tmp: Path) -> None:
    service = EngineService(
        files,
        workers=1,
        start_method="fork",
        cache_dir=tmp / "c",
        log_dir=tmp / "mem",
        max_loaded_documents=None,
    )
    await service.start()
    try:
        pid = service.worker_pids()[0]
        assert pid is not None
        rss, pss = memory_mb(pid)
        print(f"worker after boot, no build: RSS {rss:.0f} MB, PSS {pss:.0f} MB")
        previous = rss
        for i, key in enumerate(ORDER):
            build = next(BUILDS.glob(f"{key}-*.xml"))
            uri = f"mem://{key}.xml"
            service.update(uri, 1, build.read_text(encoding="utf-8"))
            await service.result(uri)
            rss, pss = memory_mb(pid)
            label = "first build" if i == 0 else f"+ build {i + 1}"
            print(
                f"{label:<12} {build.name[:44]:<44} RSS {rss:5.0f} MB (+{rss - previous:4.0f}), PSS {pss:5.0f} MB"
            )
            previous = rss
        if service.zygote_pid:
            zrss, zpss = memory_mb(service.zygote_pid)
            print(f"zygote: RSS {zrss:.0f} MB, PSS {zpss:.0f} MB")
    finally:
        await service.stop()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine")
    args = parser.parse_args()
    layout = find_engine(args.engine)
    files = EngineFiles(layout.root, layout.script_dir, layout.lua_lib_dirs, layout.version)
    with tempfile.TemporaryDirectory() as tmp:
        spawn = await launches(files, "spawn", Path(tmp))
        fork = await launches(files, "fork", Path(tmp))
        print(f"PoB {layout.version}: seconds to get worker 1 / worker 2 ready")
        print(f"  spawn (full boot each): {spawn[0]:.2f} / {spawn[1]:.2f}")
        print(
            f"  fork from the zygote:   {fork[0]:.2f} / {fork[1]:.3f}  (second worker {spawn[1] / fork[1]:.0f}x faster)"
        )
        await memory(files, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
