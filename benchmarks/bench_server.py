"""Language-server latency as an editor sees it, beside the engine floor measured in the same run.

Not a test: prints a table.
Run: .venv/bin/python benchmarks/bench_server.py [--debounce MS] [--repeat N] [BUILD ...]
(default builds: 065 and 067 in ../shared/builds).

Per build, a fresh `pob-ls serve` over stdio (cold engine) is driven by pygls' client:
- cold: `initialize` -> first publishDiagnostics (text only), and -> the first with PoB's findings;
- per edit kind (config toggle, gem level, item line, passive node, level): `didChange` -> the
  publishDiagnostics carrying PoB's answer for that version (the server sends `pob/status` right
  after it), median and p95 over --repeat edits (alternating there and back);
- floor: `PobHost.recalc(handle)` timed directly in this process on the same build.
The edit figures include the server's debounce (printed); the floor does not.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
BUILDS = REPO.parent / "shared" / "builds"
DEFAULT_BUILDS = ["065-dominating-blow-of-inspiring-guardian-3-28.xml", "067-exsanguinate-trickster-3-28.xml"]
SERVER = [sys.executable, "-m", "pob_ls.cli", "serve"]

Edit = Callable[[str], str]


def _sub_first(pattern: str, repl: Callable[[re.Match[str]], str], text: str) -> str:
    new, count = re.subn(pattern, repl, text, count=1)
    if not count:
        raise LookupError(pattern)
    return new


def edit_config(text: str) -> str:
    """Flip the first boolean config input."""
    return _sub_first(
        r'(<Input name="[^"]+" boolean=")(true|false)"',
        lambda m: m.group(1) + ("false" if m.group(2) == "true" else "true") + '"',
        text,
    )


def edit_gem_level(text: str) -> str:
    return _sub_first(
        r'(<Gem [^>]*?level=")(\d+)"', lambda m: f'{m.group(1)}{max(1, int(m.group(2)) - 1)}"', text
    )


def edit_item_line(text: str) -> str:
    """Change the number in the first "+N to ..." or "+N% to ..." item line."""
    return _sub_first(r"(?m)^\+(\d+)(%? to )", lambda m: f"+{int(m.group(1)) + 7}{m.group(2)}", text)


def edit_passive(text: str) -> str:
    """Drop the last allocated node of the first spec."""
    return _sub_first(r'(<Spec [^>]*?nodes="[^"]*?),(\d+)"', lambda m: m.group(1) + '"', text)


def edit_level(text: str) -> str:
    return _sub_first(
        r'(<Build [^>]*?level=")(\d+)"', lambda m: f'{m.group(1)}{max(1, int(m.group(2)) - 1)}"', text
    )


EDITS: dict[str, Edit] = {
    "config toggle": edit_config,
    "gem level": edit_gem_level,
    "item line": edit_item_line,
    "passive node": edit_passive,
    "level": edit_level,
}


class Session:
    """A client that timestamps diagnostics and pob/status notifications."""

    def __init__(self) -> None:
        self.client = LanguageClient("bench-server", "1")
        self.publishes: list[tuple[float, str, int | None]] = []
        self.statuses: list[tuple[float, dict[str, Any]]] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.publishes.append((time.perf_counter(), params.uri, params.version))

        @self.client.feature("pob/status")
        def status(params: Any) -> None:
            self.statuses.append((time.perf_counter(), params._asdict()))

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log_message(params: types.LogMessageParams) -> None:
            pass

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def show_message(params: types.ShowMessageParams) -> None:
            print(f"  server: {params.message}", file=sys.stderr)

    async def calculated(self, uri: str, version: int, timeout: float = 120.0) -> float:
        """Arrival time of the publish that carried PoB's answer for `version`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for at, status in self.statuses:
                if status.get("uri") == uri and status.get("version") == version:
                    return max(t for t, u, v in self.publishes if u == uri and v == version and t <= at)
            await asyncio.sleep(0.002)
        raise TimeoutError(f"{uri} version {version} was never calculated")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def bench_build(path: Path, debounce: float, repeat: int) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    session = Session()
    client = session.client
    await client.start_io(*SERVER)
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
        )
    )
    started = time.perf_counter()
    await client.initialize_async(
        types.InitializeParams(capabilities=caps, initialization_options={"debounce": debounce})
    )
    client.initialized(types.InitializedParams())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="pob", version=1, text=text)
        )
    )
    engine_first = await session.calculated(uri, 1) - started
    text_first = min(t for t, u, v in session.publishes if u == uri) - started
    figures: dict[str, Any] = {"cold_text": text_first, "cold_engine": engine_first, "edits": {}}
    version = 1
    current = text
    for name, edit in EDITS.items():
        try:
            edited = edit(text)
        except LookupError:
            figures["edits"][name] = None
            continue
        times = []
        for i in range(repeat):
            current = edited if i % 2 == 0 else text
            version += 1
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=current)],
                )
            )
            times.append(await session.calculated(uri, version) - sent)
        figures["edits"][name] = times
        if current != text:  # leave the build as it was for the next kind
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            await session.calculated(uri, version)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return figures


def engine_floor(path: Path, repeat: int) -> list[float]:
    from pob_ls.engine.host.host import PobHost
    from pob_ls.engine.provisioning.discovery import find_engine

    host = PobHost(find_engine())
    handle = host.load_build(path.read_text(encoding="utf-8"), path.stem)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        host.recalc(handle)
        times.append(time.perf_counter() - start)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="*", help="build files (default: 065 and 067 from ../shared/builds)")
    parser.add_argument("--debounce", type=float, default=150.0, help="server debounce in ms (default 150)")
    parser.add_argument("--repeat", type=int, default=9, help="edits per kind (default 9)")
    args = parser.parse_args()
    paths = [Path(b) for b in args.builds] or [BUILDS / name for name in DEFAULT_BUILDS]
    print(f"pob-ls server latency (debounce {args.debounce:g} ms included in edit figures; ms)")
    for path in paths:
        figures = asyncio.run(bench_build(path, args.debounce, args.repeat))
        floor = engine_floor(path, args.repeat)
        print(f"\n{path.name}")
        print(f"  initialize -> first diagnostics (text only)      {ms(figures['cold_text'])}")
        print(f"  initialize -> first diagnostics with PoB (cold)  {ms(figures['cold_engine'])}")
        print(f"  {'edit':<16}{'median':>9}{'p95':>9}{'minus debounce':>16}")
        for name, times in figures["edits"].items():
            if not times:
                print(f"  {name:<16}  (no such line in this build)")
                continue
            med = statistics.median(times)
            print(f"  {name:<16}{ms(med)} {ms(percentile(times, 0.95))}  {ms(med - args.debounce / 1000)}")
        print(
            f"  {'engine floor':<16}{ms(statistics.median(floor))} {ms(percentile(floor, 0.95))}"
            "  (PobHost.recalc, same build, this process)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
