"""Shared by the stress tests and `benchmarks/stress_*.py`: a recording LSP client, /proc helpers, inputs.

The client is pytest-lsp's `LanguageClient` (so the checks pytest-lsp makes on the server's messages
apply), started on `pob-ls serve` over stdio, with a recorder that keeps every publish, status and
log message with its arrival time: the stress figures (latency, version order) are computed from it.
The server's stderr is kept, not forwarded, so that a traceback in it can be counted.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import struct
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient as BaseLanguageClient
from pygls.protocol import JsonRPCResponseMessage, default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[2]
BUILDS = REPO.parent / "shared" / "builds"
SERVER = [sys.executable, "-m", "pob_ls.cli", "serve"]
# scripts/stress.sh raises this to run more rounds and examples than the normal test run does.
SCALE = max(1, min(int(os.environ.get("POB_LS_STRESS_SCALE", "1") or 1), 20))
# Builds the engine loads (072 and 079 are rejected by PoB 2.63.0 itself: tree data, legion lookup).
GOOD_BUILDS = ("065", "067", "070", "073", "076")


def build_path(number: str) -> Path:
    matches = sorted(BUILDS.glob(f"{number}-*.xml"))
    if not matches:
        raise FileNotFoundError(f"build {number} is absent from {BUILDS}")
    return matches[0]


def build_text(number: str) -> str:
    return build_path(number).read_text(encoding="utf-8")


# -- /proc ---------------------------------------------------------------------------------


def _stat_ppid(pid: int) -> int | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return int(data[data.rindex(")") + 2 :].split()[1])


def descendants(root: int) -> list[int]:
    """Every live process below `root` (children, grandchildren, ...), from /proc (no psutil here)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _stat_ppid(int(entry))
            if ppid is not None:
                parents.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return sorted(out)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def engine_processes(server_pid: int) -> tuple[int | None, list[int]]:
    """(zygote pid, worker pids) under a server: the zygote is the child running pob_ls.engine.service.zygote,
    workers are its forked children (or spawned pob_ls.engine.service.worker children)."""
    zygote: int | None = None
    workers: list[int] = []
    for pid in descendants(server_pid):
        line = cmdline(pid)
        if "pob_ls.engine" not in line:
            continue
        if "pob_ls.engine.service.zygote" in line and _stat_ppid(pid) == server_pid:
            zygote = pid
        else:
            workers.append(pid)
    return zygote, workers


# -- the client ------------------------------------------------------------------------------


@dataclass
class Publish:
    at: float
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


@dataclass
class Record:
    publishes: list[Publish] = field(default_factory=list)
    statuses: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    logs: list[tuple[int, str]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    sent: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # uri -> (time, version)

    def published_versions(self, uri: str) -> list[int | None]:
        return [p.version for p in self.publishes if p.uri == uri]

    def calculated(self, uri: str, version: int, state: str | None = None) -> dict[str, Any] | None:
        """The latest pob/status the server sent once the engine's answer for `version` was published
        (`state`: only a "ready" or only an "error" one)."""
        for _at, status in reversed(self.statuses):
            same = status.get("uri") == uri and status.get("version") == version
            if same and (state is None or status.get("state") == state):
                return status
        return None

    def tracebacks(self) -> list[str]:
        return [line for line in self.stderr if "Traceback" in line or "CRITICAL" in line]


class StressClient(LanguageClient):
    """pytest-lsp's client that keeps the server's stderr instead of forwarding it."""

    record: Record

    async def start_io(self, cmd: str, *args: Any, **kwargs: Any) -> None:
        await BaseLanguageClient.start_io(self, cmd, *args, **kwargs)
        server = self._server
        if server is not None and server.stderr is not None:
            self._stderr_forwarder = asyncio.create_task(self._keep_stderr(server.stderr))

    async def _keep_stderr(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            if len(self.record.stderr) < 5000:
                self.record.stderr.append(line.decode("utf-8", "replace").rstrip())

    @property
    def server_pid(self) -> int:
        assert self._server is not None
        return self._server.pid

    @property
    def server_returncode(self) -> int | None:
        assert self._server is not None
        return self._server.returncode


def raw_result_converter() -> Any:
    """pygls' converter, except that untyped replies (pob/statSheet) stay plain JSON: pygls would make
    named tuples of them, renaming keys such as "Spec:ArmourInc" to "_47"."""
    converter = default_converter()
    converter.register_structure_hook(JsonRPCResponseMessage, lambda obj, cls: cls(**obj))
    return converter


def make_client() -> StressClient:
    client = StressClient(converter_factory=raw_result_converter)
    record = client.record = Record()
    features = dict(DEFAULT_CLIENT_FEATURES)
    features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    features.pop(types.WINDOW_LOG_MESSAGE, None)
    register_lsp_features(client, features)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        record.publishes.append(
            Publish(time.perf_counter(), params.uri, params.version, list(params.diagnostics))
        )

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params: types.LogMessageParams) -> None:
        if len(record.logs) < 5000:
            record.logs.append((int(params.type), params.message))

    @client.feature("pob/status")
    def status(params: Any) -> None:
        payload = params._asdict() if hasattr(params, "_asdict") else dict(params)
        record.statuses.append((time.perf_counter(), payload))

    for method in (types.WORKSPACE_INLAY_HINT_REFRESH, types.WORKSPACE_CODE_LENS_REFRESH):
        client.feature(method)(lambda params: None)
    return client


async def start_server(debounce_ms: float = 50, env: dict[str, str] | None = None) -> StressClient:
    """A `pob-ls serve` over stdio, initialized as a push-diagnostics client (no pull, no progress)."""
    client = make_client()
    await client.start_io(*SERVER, env={**os.environ, **(env or {})})
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            initialization_options={"debounce": debounce_ms},
            client_info=types.ClientInfo(name="pob-ls stress"),
        )
    )
    return client


async def stop_server(client: StressClient, timeout: float = 20.0) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), timeout)
    except Exception:
        server = client._server
        if server is not None and server.returncode is None:
            server.kill()
        await client.stop()


async def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_engine_ready(client: StressClient, timeout: float = 120.0) -> None:
    await wait_for(
        lambda: any(s.get("state") == "ready" for _, s in client.record.statuses), timeout, "the engine"
    )


def open_doc(client: StressClient, uri: str, text: str, version: int = 1) -> None:
    client.record.sent.setdefault(uri, []).append((time.perf_counter(), version))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="pob", version=version, text=text)
        )
    )


def change_doc(client: StressClient, uri: str, version: int, text: str) -> None:
    client.record.sent.setdefault(uri, []).append((time.perf_counter(), version))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def close_doc(client: StressClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def stat_sheet(client: StressClient, uri: str, timeout: float = 60.0) -> dict[str, Any]:
    """pob-ls' own request: the result of the latest version of an open build."""
    reply = await asyncio.wait_for(client.protocol.send_request_async("pob/statSheet", {"uri": uri}), timeout)
    return reply if isinstance(reply, dict) else _plain(reply)


def _plain(value: Any) -> Any:
    """pygls hands custom replies back as named tuples (`Object`); make them dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -- a direct reference ----------------------------------------------------------------------


def reference_stats(texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    """player_stats of each text from a fresh `PobHost` in a separate process (the reference result,
    JSON round-tripped the way the server's results are)."""
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pob-ls-stress-ref-") as tmp:
        names = []
        for i, (key, text) in enumerate(texts.items()):
            path = Path(tmp) / f"{i}.xml"
            path.write_text(text, encoding="utf-8")
            names.append((key, str(path)))
        code = (
            "import json, sys\n"
            "from pob_ls.engine.provisioning.discovery import find_engine\n"
            "from pob_ls.engine.host.host import PobHost, EngineError\n"
            "host = PobHost(find_engine())\n"
            "out = {}\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n"
            "        h = host.load_build(open(path, encoding='utf-8').read())\n"
            "        out[path] = host.result(h).to_json()['player_stats']\n"
            "        host.free(h)\n"
            "    except EngineError as exc:\n"
            "        out[path] = {'error': str(exc)}\n"
            "print(json.dumps(out))\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, *(p for _, p in names)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"reference process failed: {proc.stderr[-2000:]}")
        by_path = json.loads(proc.stdout.strip().splitlines()[-1])
        return {key: by_path[path] for key, path in names}


# -- inputs ------------------------------------------------------------------------------------


def with_attr(text: str, tag: str, attr: str, value: str) -> str:
    """`text` with the first `<tag ... attr="...">` set to `value` (escaped for XML)."""
    esc = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    pattern = rf'(<{tag}\b[^>]*?\b{attr}=")[^"]*(")'
    return re.sub(pattern, lambda m: m.group(1) + esc + m.group(2), text, count=1)


def every_attribute(text: str, value: str, *, strings_only: bool = False) -> str:
    """Every attribute value in the file replaced by `value` (XML-escaped); with `strings_only`, only
    those that are not numbers or booleans (so the document layer still accepts the file)."""
    esc = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    plain = re.compile(r"-?[0-9.]+|true|false|nil|")

    def swap(m: re.Match[str]) -> str:
        if strings_only and (plain.fullmatch(m.group(3)) or m.group(2) in LISTS):
            return m.group(0)
        return m.group(1) + esc + m.group(4)

    return re.sub(r'(\s([A-Za-z_:][-\w:.]*)=")([^"]*)(")', swap, text)


LISTS = ("nodes", "masteryEffects")  # id lists the document layer checks


def inflation_bomb(gigabytes: float = 1.0) -> str:
    """A share code (base64url of zlib) that inflates to `gigabytes` of zeros, ~1 MB per GB, built
    without compressing gigabytes: one full-flushed deflate block of 1 MB of zeros, repeated."""
    chunk = b"\0" * (1 << 20)
    comp = zlib.compressobj(9)
    head = comp.compress(b"<PathOfBuilding>") + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    megabytes = int(gigabytes * 1024)
    adler = zlib.adler32(b"<PathOfBuilding>")
    for _ in range(megabytes + 1):
        adler = zlib.adler32(chunk, adler)
    stream = head + block * (megabytes + 1) + b"\x03\x00" + struct.pack(">I", adler)
    return base64.urlsafe_b64encode(stream).decode("ascii")


def entity_bomb(levels: int = 10) -> str:
    """The billion-laughs DOCTYPE in front of a build."""
    ents = ['<!ENTITY lol0 "lol">']
    ents += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels)]
    body = f'<PathOfBuilding><Build level="&lol{levels - 1};"/></PathOfBuilding>'
    return '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(ents) + "\n]>\n" + body


def deep_nesting(levels: int = 100_000) -> str:
    return "<PathOfBuilding>" + "<a>" * levels + "</a>" * levels + "</PathOfBuilding>"


LUA_PAYLOADS = (
    "]]..os.exit(1)..[[",
    "'); os.execute('touch /tmp/pob-ls-pwned'); --",
    "\\0%s%s%s%n%n",
    "require('ffi').C.abort()",
    "${python.eval('1')}",
    "\"..io.open('/etc/passwd'):read('*a')..\"",
    "{{ debug.getregistry() }}",
    "string.rep('x', 2^31)",
)

ABSURD_NUMBERS = (
    "1000000000",
    "-1",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-0",
    "0x7fffffff",
    "99999999999999999999",
)


class ServerThread:
    """A server and its client on an event loop in a thread of their own, so that synchronous code
    (hypothesis tests, scripts) can drive it with `run(coro)`."""

    def __init__(self, debounce_ms: float = 50) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="pob-ls-stress", daemon=True)
        self._thread.start()
        self.client: StressClient = self.run(start_server(debounce_ms), 120)

    def run(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """A plain function (sending a notification) on the client's loop."""

        async def wrapped() -> Any:
            return func(*args)

        return self.run(wrapped(), 30)

    def close(self) -> None:
        try:
            self.run(stop_server(self.client), 40)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
