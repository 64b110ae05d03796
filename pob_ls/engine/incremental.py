"""Bring a loaded build object up to date with a new text of its document.

The correct baseline is a full reload into a fresh build object; minimal in-place updates
per section are layered on top of it and must give the same result key by key.
"""

from __future__ import annotations

from dataclasses import dataclass

from pob_ls.engine.host import PobHost


@dataclass(frozen=True)
class UpdateOutcome:
    handle: int  # the build object now holding new_xml (may differ from the one passed in)
    kind: str  # "reload", or "incremental:<section>,<section>..."


def update_build(host: PobHost, handle: int | None, old_xml: str | None, new_xml: str) -> UpdateOutcome:
    """Make a build object hold `new_xml`. Raises BuildLoadError; the old object is then kept."""
    new_handle = host.load_build(new_xml)
    if handle is not None:
        host.free(handle)
    return UpdateOutcome(new_handle, "reload")
