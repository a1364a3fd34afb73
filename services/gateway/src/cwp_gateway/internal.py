"""The gateway's internal listener: /metrics lives there, never on the public port.

The gateway is the platform's only public entry, and its metrics (routes, status counts,
latencies, upstream names) describe its internals, so the public port answers /metrics
with 404. The same application object is served a second time on GATEWAY_INTERNAL_HOST:
GATEWAY_INTERNAL_PORT (127.0.0.1 by default; the pod network in Kubernetes, where
Prometheus scrapes it), where a request is marked internal. Health answers on both, so
probes may use either port. The public API documentation (/docs, /openapi.json: the token
and account endpoints) stays public.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator

import uvicorn
import uvloop
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from cwp_common.problems import problem_response
from cwp_common.serve import GRACEFUL_SHUTDOWN_SECONDS, SERVER_OPTIONS, settle_heap

INTERNAL = "cwp.internal"  # scope key set by the internal listener only
INTERNAL_ONLY = frozenset({"/metrics"})
INTERNAL_PATHS = INTERNAL_ONLY | {"/livez", "/readyz"}


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(404, "not-found", "Not found", "No such resource / 资源不存在")
    await response(scope, receive, send)


class PublicSide:
    """Middleware on the gateway app: internal-only paths are 404 unless the request came
    in through the internal listener."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in INTERNAL_ONLY and not scope.get(INTERNAL):
            await _not_found(scope, receive, send)
            return
        await self.app(scope, receive, send)


class InternalListener:
    """The ASGI app of the internal port: the internal paths of the same gateway app, and
    nothing else (no proxy, no accounts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in INTERNAL_PATHS:
            await _not_found(scope, receive, send)
            return
        await self.app({**scope, INTERNAL: True}, receive, send)


class _QuietServer(uvicorn.Server):
    """The internal server leaves signals to the public one, which ends both."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def serve_gateway(
    app: FastAPI, host: str, port: int, internal_host: str, internal_port: int
) -> None:
    public = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            # On SIGTERM: stop accepting, let requests in flight finish (up to this long),
            # then stop; as every service does (cwp_common.serve).
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            **SERVER_OPTIONS,
        )
    )
    internal = _QuietServer(
        uvicorn.Config(
            InternalListener(app),
            host=internal_host,
            port=internal_port,
            lifespan="off",  # the public server runs the app's start and stop
            log_config=None,
            **SERVER_OPTIONS,
        )
    )

    async def both() -> None:
        side = asyncio.create_task(internal.serve()) if internal_port else None
        try:
            await public.serve()
        finally:
            if side is not None:
                internal.should_exit = True
                await side

    settle_heap()  # as every service does (cwp_common.serve)
    uvloop.run(both())
