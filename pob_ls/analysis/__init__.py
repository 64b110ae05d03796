"""Layer 3: PoB's results mapped onto the build file: diagnostics, hints, lenses, hovers, outline, actions.

Pure functions over a `PobDocument` and a typed result (`pob_ls.engine.messages.BuildResultJson`);
no I/O, no engine calls: a what-if is a typed question (`HoverTarget.whatif`, e.g. `ToggleGem(1, 2)`)
the server asks, and its answer is passed back in.
"""

from pob_ls.analysis.actions import Action, code_actions
from pob_ls.analysis.completion import Completion, completions
from pob_ls.analysis.engine_fit import no_engine_findings
from pob_ls.analysis.findings import (
    Finding,
    document_findings,
    engine_error_findings,
    engine_findings,
    stale_stats,
    stored_value,
)
from pob_ls.analysis.hints import ALL_HINT_KINDS, Hint, Lens, build_summary, code_lenses, inlay_hints
from pob_ls.analysis.hover import HoverTarget, hover_target, render_hover
from pob_ls.analysis.sheet import stat_sheet_markdown
from pob_ls.analysis.symbols import Symbol, document_symbols

__all__ = [
    "ALL_HINT_KINDS",
    "Action",
    "Completion",
    "Finding",
    "Hint",
    "HoverTarget",
    "Lens",
    "Symbol",
    "build_summary",
    "code_actions",
    "code_lenses",
    "completions",
    "document_findings",
    "document_symbols",
    "engine_error_findings",
    "engine_findings",
    "hover_target",
    "inlay_hints",
    "no_engine_findings",
    "render_hover",
    "stale_stats",
    "stat_sheet_markdown",
    "stored_value",
]
