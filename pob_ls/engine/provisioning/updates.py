"""`engine install latest` and `engine update`: install PoB Community's newest release.

A release we hold a pin for is fetched from its pinned archive and verified file by file; any other release
installs as *unverified* (its install record says `"pinned": false`). Whatever goes wrong, the error is one
line naming the offline route, and the install's own staging keeps anything half-written out of the
engines folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from pob_ls.engine.provisioning.discovery import list_engines
from pob_ls.engine.provisioning.install import ProgressFn, install_engine
from pob_ls.engine.provisioning.layout import EngineInstallError, EngineLayout, version_key
from pob_ls.engine.provisioning.manifest import PinSet, load_pins
from pob_ls.engine.provisioning.releases import OFFLINE_HINT, Release, fetch_latest_release


@dataclass(frozen=True)
class LatestOutcome:
    """What `install_latest` did: the release it saw, the engine it installed (None: nothing newer)."""

    release: Release
    layout: EngineLayout | None
    pinned: bool
    newest_before: str | None


def install_latest(
    *,
    only_if_newer: bool = False,
    url: str | None = None,
    progress: ProgressFn | None = None,
    pins: PinSet | None = None,
) -> LatestOutcome:
    """Install the newest release; with `only_if_newer`, only when it is newer than every installed engine."""
    pins = pins or load_pins()
    release = fetch_latest_release(url)
    installed = list_engines()
    newest = installed[0].version if installed else None
    pin = pins.get(release.version)
    if only_if_newer and newest is not None and version_key(newest) >= version_key(release.version):
        return LatestOutcome(release, None, pin is not None, newest)
    source = pin.archive_url if pin is not None else release.archive_url
    try:
        layout = install_engine(
            release.version, source, progress=progress, pins=pins, origin=release.record()
        )
    except EngineInstallError as exc:
        message = str(exc)
        if "--from" not in message:
            raise EngineInstallError(f"{message}; {OFFLINE_HINT}") from exc
        raise
    return LatestOutcome(release, layout, pin is not None, newest)
