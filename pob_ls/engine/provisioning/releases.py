"""PoB Community's newest release, as GitHub's releases API describes it, and which archive to fetch for it.

Every failure (network down, an unreadable or empty reply, GitHub's rate limit) is one `EngineInstallError`
line that names the offline route, so `engine install latest` never leaves a traceback or a half install.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from pob_ls.engine.provisioning.layout import EngineInstallError

RELEASES_URL_ENV = "POB_LS_RELEASES_URL"
LATEST_RELEASE_URL = "https://api.github.com/repos/PathOfBuildingCommunity/PathOfBuilding/releases/latest"
OFFLINE_HINT = "to install offline use `pob-ls engine install --from PATH_OR_ARCHIVE`"
MAX_REPLY_BYTES = 4 << 20
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)+)$")


@dataclass(frozen=True)
class Release:
    """One upstream release: its version, tag and the archive pob-ls would install it from."""

    version: str
    tag: str
    archive_url: str
    name: str = ""
    published_at: str | None = None
    page_url: str | None = None

    def record(self) -> dict[str, Any]:
        """What the install record keeps about where the engine came from."""
        return {
            "tag": self.tag,
            "name": self.name,
            "published_at": self.published_at,
            "archive_url": self.archive_url,
            "page_url": self.page_url,
        }


def releases_url(url: str | None = None) -> str:
    """The releases API endpoint: the argument, `$POB_LS_RELEASES_URL`, else GitHub's."""
    return url or os.environ.get(RELEASES_URL_ENV) or LATEST_RELEASE_URL


def fetch_latest_release(url: str | None = None, *, timeout: float = 30) -> Release:
    """Ask the releases API for the newest release and pick its archive."""
    endpoint = releases_url(url)
    request = urllib.request.Request(
        endpoint, headers={"User-Agent": "pob-ls", "Accept": "application/vnd.github+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise EngineInstallError(_http_error(endpoint, exc)) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EngineInstallError(f"cannot reach {endpoint}: {reason}; {OFFLINE_HINT}") from exc
    if len(body) > MAX_REPLY_BYTES:
        raise EngineInstallError(f"{endpoint} sent more than {MAX_REPLY_BYTES} bytes; {OFFLINE_HINT}")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EngineInstallError(f"{endpoint} did not send release JSON ({exc}); {OFFLINE_HINT}") from exc
    return parse_release(data, endpoint)


def parse_release(data: Any, endpoint: str = "the releases API") -> Release:
    """A `Release` from the API's JSON; a reply without a usable tag or archive is an error."""
    if not isinstance(data, dict):
        raise EngineInstallError(f"{endpoint} sent no release object; {OFFLINE_HINT}")
    tag = data.get("tag_name")
    if not isinstance(tag, str) or not (match := _VERSION.match(tag.strip())):
        raise EngineInstallError(f"{endpoint}: release has no version tag (tag_name={tag!r}); {OFFLINE_HINT}")
    archive = choose_archive(data)
    if archive is None:
        raise EngineInstallError(
            f"{endpoint}: release {tag} has no source archive nor .zip/.tar.gz asset; {OFFLINE_HINT}"
        )
    return Release(
        version=match.group(1),
        tag=tag.strip(),
        archive_url=archive,
        name=str(data.get("name") or ""),
        published_at=data.get("published_at") if isinstance(data.get("published_at"), str) else None,
        page_url=data.get("html_url") if isinstance(data.get("html_url"), str) else None,
    )


def choose_archive(data: dict[str, Any]) -> str | None:
    """The release's source tarball (the shape pins are made from), else its zipball, else an archive asset.

    An asset is the portable build of an installed PoB (`Launch.lua` at the top); install handles both.
    """
    for key in ("tarball_url", "zipball_url"):
        value = data.get(key)
        if isinstance(value, str) and re.match(r"^https?://", value):
            return value
    assets = data.get("assets")
    for asset in assets if isinstance(assets, list) else []:
        if not isinstance(asset, dict):
            continue
        name, link = asset.get("name"), asset.get("browser_download_url")
        if isinstance(name, str) and isinstance(link, str) and name.lower().endswith(_ARCHIVE_SUFFIXES):
            return link
    return None


def _http_error(endpoint: str, exc: urllib.error.HTTPError) -> str:
    headers: Message = exc.headers
    if exc.code in (403, 429) and (headers.get("X-RateLimit-Remaining") == "0" or headers.get("Retry-After")):
        return f"GitHub's API rate limit is reached for {endpoint}{_retry_when(headers)}; {OFFLINE_HINT}"
    return f"cannot read {endpoint}: HTTP {exc.code} {exc.reason}; {OFFLINE_HINT}"


def _retry_when(headers: Message) -> str:
    reset = headers.get("X-RateLimit-Reset")
    if reset and reset.isdigit():
        when = datetime.fromtimestamp(int(reset), UTC).strftime("%H:%M UTC")
        return f" (it resets at {when})"
    retry = headers.get("Retry-After")
    if retry and retry.isdigit():
        return f" (retry in {retry} s)"
    return ""
