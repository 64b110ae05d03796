"""What the server knows about one open build: its latest parse, the last good one, the last result.

A broken edit must not wipe the analysis: the last parse that PoB could read and the result it
gave stay until a newer result replaces them. Positions of stale findings come from the document
they were computed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pob_ls.document import PobDocument, parse_document
from pob_ls.engine.messages import BuildResultJson, RequestErrorKind


@dataclass
class Analysis:
    """An engine result and the parse of exactly the text it was computed from."""

    version: int
    doc: PobDocument
    result: BuildResultJson


@dataclass
class OpenBuild:
    uri: str
    version: int
    doc: PobDocument
    good: PobDocument | None = None  # latest parse without errors (what the engine gets)
    good_version: int | None = None
    sent: dict[int, PobDocument] | None = None  # versions given to the engine, awaiting a result
    analysis: Analysis | None = None
    engine_error: str | None = None  # why the latest engine attempt failed
    engine_error_kind: RequestErrorKind | None = None
    published: tuple[int, tuple[Any, ...]] | None = None  # last (version, findings) sent
    recalc_ms: float | None = None
    changed_at: float | None = None

    def update(self, version: int, text: str) -> PobDocument:
        """Parse a new version; returns the parse (check `.ok` before giving it to the engine)."""
        self.version = version
        self.doc = parse_document(text)
        if self.doc.ok:
            self.good, self.good_version = self.doc, version
        return self.doc

    def remember_sent(self, version: int, doc: PobDocument) -> None:
        sent = self.sent if self.sent is not None else {}
        sent[version] = doc
        for old in [v for v in sent if v < version - 8]:
            del sent[old]
        self.sent = sent

    def take_sent(self, version: int) -> PobDocument | None:
        """The parse of the version a result belongs to; older entries are dropped."""
        if not self.sent:
            return None
        doc = self.sent.get(version)
        for old in [v for v in self.sent if v <= version]:
            del self.sent[old]
        return doc

    def feature_doc(self) -> PobDocument:
        """The parse features read: the current one if PoB can read it, else the last good one."""
        if self.doc.ok or self.good is None:
            return self.doc
        return self.good

    def feature_result(self) -> BuildResultJson | None:
        return self.analysis.result if self.analysis else None


def open_build(uri: str, version: int, text: str) -> OpenBuild:
    build = OpenBuild(uri, version, parse_document(text))
    if build.doc.ok:
        build.good, build.good_version = build.doc, version
    return build
