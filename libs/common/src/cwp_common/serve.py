"""How every service process is served (`python -m cwp_<service>`), so that all of them,
and the tests that start them, run with the same server options."""

from __future__ import annotations

import gc
from typing import Any

import uvicorn
from fastapi import FastAPI

from cwp_common.joined_writes import JoinedWritesProtocol

SERVER_OPTIONS: dict[str, Any] = {
    "http": JoinedWritesProtocol,  # httptools, an answer's head and body in one send
    "access_log": False,  # EdgeMiddleware logs one line per request, with its id
    # Peers are the gateway or the platform's own network: keep the TCP peer as the
    # client address (the gateway appends it to X-Forwarded-For) rather than trusting a
    # forwarded header first.
    "proxy_headers": False,
}


GRACEFUL_SHUTDOWN_SECONDS = 20
YOUNG_COLLECTION = 10_000


def settle_heap() -> None:
    """Called once the app is built, before serving. Everything built so far (modules,
    the app, its schemas) lives as long as the process: out of the collector's sight, a
    collection no longer walks it, which was a tenth of a simple read's CPU. Not for
    tests, which build many apps in one process and would keep each one's cycles."""
    gc.collect()
    gc.freeze()
    # A youngest-generation collection every YOUNG_COLLECTION net allocations instead of
    # Python's 700: a request makes a few hundred objects that live until its answer is
    # out, and at 700 every collection walked the requests in flight, again and again.
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


def serve(app: FastAPI, host: str, port: int) -> None:
    settle_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        log_config=None,  # keep the logging configured by cwp_common.web
        # On SIGTERM: stop accepting, let requests in flight finish (up to this long, less
        # than Kubernetes' 30 s grace), then stop.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **SERVER_OPTIONS,
    )
