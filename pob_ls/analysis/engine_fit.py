"""The one diagnostic of a build no installed engine can compute: on the `<Spec treeVersion>` it names.

The message (tree version, each engine's range, the fixing command) comes from the engine layer; this
only places it: the first spec whose tree version no engine knows, else the active spec, else `<Build>`.
"""

from __future__ import annotations

from pob_ls.analysis.anchors import build_range, tag_name_range
from pob_ls.analysis.findings import Finding
from pob_ls.document import PobDocument, TextRange

NO_ENGINE_CODE = "no-engine-for-tree"


def no_engine_findings(doc: PobDocument, message: str, unknown: list[str]) -> list[Finding]:
    return [Finding(_spec_range(doc, unknown) or build_range(doc), "error", NO_ENGINE_CODE, message)]


def _spec_range(doc: PobDocument, unknown: list[str]) -> TextRange | None:
    if doc.tree is None or not doc.tree.specs:
        return None
    named = [spec for spec in doc.tree.specs if spec.tree_version in unknown]
    spec = named[0] if named else doc.tree.active()
    if spec is None:
        return None
    return spec.value_range("treeVersion") or tag_name_range(spec)
