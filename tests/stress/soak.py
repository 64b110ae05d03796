"""Load and soak: many open builds, many edits through one real server; RSS, version order, latency.

Used by `benchmarks/stress_soak.py` (long, opt-in) and `tests/stress/test_soak.py` (short).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

from tests.stress.harness import (
    GOOD_BUILDS,
    build_text,
    change_doc,
    engine_processes,
    open_doc,
    rss_bytes,
    start_server,
    stop_server,
    wait_engine_ready,
    wait_for,
    with_attr,
)


@dataclass
class SoakReport:
    builds: int
    edits: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # didChange -> publish for that version, s
    order_violations: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    rss: dict[str, list[int]] = field(default_factory=dict)  # process label -> samples (bytes)
    server_alive: bool = True
    tracebacks: int = 0
    settle_seconds: float = 0.0  # from the last edit until every build's last version was answered

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))]

    def growth(self) -> dict[str, tuple[float, float]]:
        """Median RSS (MB) of the first and of the last quartile of samples, per process."""
        out = {}
        for label, samples in self.rss.items():
            if len(samples) >= 4:
                q = len(samples) // 4
                out[label] = (statistics.median(samples[:q]) / 2**20, statistics.median(samples[-q:]) / 2**20)
        return out

    def lines(self) -> list[str]:
        rows = [
            f"soak: {self.builds} builds, {self.edits} edits in {self.seconds:.0f} s; "
            f"server alive: {self.server_alive}; tracebacks: {self.tracebacks}",
            f"latency didChange->publish (s, incl. debounce): p50 {self.percentile(50):.3f} "
            f"p95 {self.percentile(95):.3f} p99 {self.percentile(99):.3f} max {self.percentile(100):.3f} "
            f"(n={len(self.latencies)})",
            f"version-order violations: {len(self.order_violations)}; "
            f"last versions unanswered: {len(self.unanswered)} "
            f"(all answered {self.settle_seconds:.1f} s after the last edit)",
        ]
        for label, (first, last) in sorted(self.growth().items()):
            rows.append(f"RSS {label}: {first:.0f} MB -> {last:.0f} MB ({last - first:+.0f} MB)")
        return rows


def _variants(n: int) -> list[str]:
    """n builds: copies of the real builds with small variations (level)."""
    texts = []
    for i in range(n):
        base = build_text(GOOD_BUILDS[i % len(GOOD_BUILDS)])
        texts.append(with_attr(base, "Build", "level", str(80 + i % 20)))
    return texts


def _edit(rng: random.Random, text: str, version: int) -> str:
    """A small edit PoB recalculates: the character level, or a gem level, or whitespace."""
    kind = rng.randrange(3)
    if kind == 0:
        return with_attr(text, "Build", "level", str(rng.randint(1, 100)))
    if kind == 1:
        return with_attr(text, "Gem", "level", str(rng.randint(1, 20)))
    return text.replace("<Build ", "<Build" + " " * (1 + version % 5) + " ", 1)


async def soak(
    builds: int,
    edits: int,
    minutes: float,
    *,
    seed: int = 6,
    debounce_ms: float = 50,
    sample_every: float = 1.0,
) -> SoakReport:
    rng = random.Random(seed)
    client = await start_server(debounce_ms)
    start = time.perf_counter()
    report = SoakReport(builds, 0, 0.0)
    stop_sampling = asyncio.Event()

    async def sample() -> None:
        while not stop_sampling.is_set():
            zygote, workers = engine_processes(client.server_pid)
            labels = {"server": client.server_pid, **{f"worker {w}": w for w in workers}}
            if zygote:
                labels["zygote"] = zygote
            for label, pid in labels.items():
                rss = rss_bytes(pid)
                if rss is not None:
                    report.rss.setdefault(label, []).append(rss)
            await asyncio.sleep(sample_every)

    sampler = asyncio.create_task(sample())
    try:
        await wait_engine_ready(client)
        uris = [f"file:///tmp/pob-ls-soak/build-{i}.pob" for i in range(builds)]
        texts = _variants(builds)
        for uri, text in zip(uris, texts, strict=True):
            open_doc(client, uri, text, 1)
        versions = dict.fromkeys(uris, 1)
        deadline = start + minutes * 60
        sent = 0
        while sent < edits and time.perf_counter() < deadline:
            i = rng.randrange(builds)
            uri = uris[i]
            versions[uri] += 1
            texts[i] = _edit(rng, texts[i], versions[uri])
            change_doc(client, uri, versions[uri], texts[i])
            sent += 1
            # bursts of typing, then pauses
            await asyncio.sleep(rng.choice((0.005, 0.02, 0.05, 0.2, 0.5)))
        report.edits = sent
        # One shared wait: with more builds than the worker keeps loaded, the last versions queue
        # behind full reloads (seconds each), so allow 30 s plus 10 s per build in all.
        last_edit = time.perf_counter()
        settle_by = last_edit + 30.0 + 10.0 * builds
        for uri in uris:
            try:
                await wait_for(
                    lambda uri=uri: client.record.calculated(uri, versions[uri]),
                    max(0.1, settle_by - time.perf_counter()),
                    f"{uri} v{versions[uri]}",
                )
            except TimeoutError:
                report.unanswered.append(f"{uri} v{versions[uri]}")
        report.settle_seconds = time.perf_counter() - last_edit
    finally:
        report.seconds = time.perf_counter() - start
        stop_sampling.set()
        await sampler
        report.server_alive = client.server_returncode is None
        report.tracebacks = len(client.record.tracebacks())
        await stop_server(client)
    _check(client.record, report)
    return report


def _check(record, report: SoakReport) -> None:  # type: ignore[no-untyped-def]
    """Every publish is for the latest version sent at that time or an older one, never older than
    one already published; latency is measured from each version's didChange to its first publish."""
    sent_at: dict[tuple[str, int], float] = {}
    for uri, events in record.sent.items():
        for at, version in events:
            sent_at[(uri, version)] = at
    latest_published: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for pub in record.publishes:
        if pub.version is None:
            continue
        key = (pub.uri, pub.version)
        latest_sent = max((v for (u, v), t in sent_at.items() if u == pub.uri and t <= pub.at), default=None)
        if latest_sent is None or pub.version > latest_sent:
            report.order_violations.append(f"{pub.uri} v{pub.version} published before it was sent")
        if pub.version < latest_published.get(pub.uri, -1):
            report.order_violations.append(
                f"{pub.uri} v{pub.version} published after v{latest_published[pub.uri]}"
            )
        latest_published[pub.uri] = max(pub.version, latest_published.get(pub.uri, -1))
        if key not in seen and key in sent_at:
            seen.add(key)
            report.latencies.append(pub.at - sent_at[key])
