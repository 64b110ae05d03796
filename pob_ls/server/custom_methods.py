"""pob-ls' own requests: the full stat sheet and the share code of an open build.

Clients with a UI for them (a stat-sheet panel, a "copy share code" command) call these directly;
the parameters are `{"uri": ...}`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pob_ls import analysis
from pob_ls.document import encode_share_code
from pob_ls.server.analysis_bridge import guarded
from pob_ls.server.server import PobServer

log = logging.getLogger(__name__)

STAT_SHEET = "pob/statSheet"
SHARE_CODE = "pob/shareCode"
RESULT_WAIT = 30.0
NOT_CALCULATED = "PoB has not calculated this build yet."


def _uri(params: Any) -> str:
    uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
    if not isinstance(uri, str):
        raise ValueError("expected {uri: string}")
    return uri


def register(server: PobServer) -> None:
    @server.feature(STAT_SHEET)
    async def stat_sheet(ls: PobServer, params: Any) -> dict[str, Any]:
        """The result of the latest version (waiting for it if a calculation is on its way)."""
        uri = _uri(params)
        build = ls.builds.get(uri)
        if build is None:
            raise ValueError(f"{uri} is not open")
        result = build.feature_result()
        service = ls.engine.service_for(uri)
        if service is not None and build.doc.ok:
            try:
                _version, result = await asyncio.wait_for(service.result(uri), RESULT_WAIT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("stat sheet for %s: %s", uri, exc)
        if result is None:
            missing = ls.engine.missing_message_for(uri) or build.engine_error or NOT_CALCULATED
            return {"markdown": f"*{missing}*", "result": None}
        return {"markdown": guarded(analysis.stat_sheet_markdown, result, default=""), "result": result}

    @server.feature(SHARE_CODE)
    async def share_code(ls: PobServer, params: Any) -> dict[str, Any]:
        uri = _uri(params)
        build = ls.builds.get(uri)
        if build is None:
            raise ValueError(f"{uri} is not open")
        doc = build.feature_doc()
        if not doc.ok:
            raise ValueError("the build has errors; fix them to get a share code")
        return {"code": encode_share_code(doc.text)}
