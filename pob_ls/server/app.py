"""Build the pob-ls server and run it over stdio or TCP."""

from __future__ import annotations

import logging
import sys

from pob_ls.server import custom_methods, feature_handlers, lifecycle, sync_handlers
from pob_ls.server.server import PobServer


def create_server() -> PobServer:
    server = PobServer()
    lifecycle.register(server, feature_handlers.pull_handler_factory())
    sync_handlers.register(server)
    feature_handlers.register(server)
    custom_methods.register(server)
    return server


def serve(tcp: str | None = None, log_level: str = "WARNING") -> int:
    """stdio unless `tcp` is HOST:PORT. Logs go to stderr (stdout carries the protocol)."""
    logging.basicConfig(
        stream=sys.stderr, level=log_level.upper(), format="pob-ls %(levelname)s %(name)s: %(message)s"
    )
    server = create_server()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0
