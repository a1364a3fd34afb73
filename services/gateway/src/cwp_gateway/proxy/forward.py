"""Forwarding /api/v1/<service>/... to the service, as ASGI middleware in front of the
FastAPI router: proxied calls never touch routing, dependencies or Pydantic.

The client was chosen by measurement (bench/gateway.py, 2 shared cores, 32 connections,
10 s runs, medians; "minimal" is bench/minimal_service.py, the registry a real worker read):

    client (upstream)                  direct rps  gateway rps  ratio  gateway CPU/request
    aiohttp, streamed (minimal)           2527        1828      0.72      240 µs   <- kept
    aiohttp, body buffered (minimal)      2290        1696      0.74      243-263 µs
    httpx AsyncClient (minimal)           1934         269      0.14      ~2900 µs
    aiohttp, streamed (registry)           599         533      0.89      ~360 µs

Streaming costs no more than buffering and keeps a large export out of the gateway's
memory; httpx's pool collapses under concurrency (encode/httpx#3215).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from cwp_common.problems import problem_response
from cwp_common.telemetry import with_trace_headers
from cwp_gateway.proxy.headers import downstream_headers, upstream_headers

PREFIX = "/api/v1/"
OWN_AREAS = frozenset({"auth"})  # /api/v1/auth/... is the gateway's own router
log = logging.getLogger("cwp.gateway.proxy")


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    base: str  # scheme://host:port[/prefix], no trailing slash
    path: str  # the route label EdgeMiddleware puts on metrics


class Upstreams:
    """The services behind the gateway and the one HTTP client pool that reaches them."""

    def __init__(self, bases: Mapping[str, str], timeout_seconds: float, pool_size: int) -> None:
        self.by_name = {
            name: Upstream(name, base.rstrip("/"), f"{PREFIX}{name}/{{path}}")
            for name, base in bases.items()
        }
        self.timeout_seconds = timeout_seconds
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            # Below uvicorn's 5 s keep-alive, so the pool drops an idle connection before
            # the service closes it under a request.
            keepalive_timeout=4,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # connect includes waiting for a pooled connection; sock_read is the longest
            # silence while waiting for headers or the next chunk.
            timeout=aiohttp.ClientTimeout(
                total=None, connect=self.timeout_seconds, sock_read=self.timeout_seconds
            ),
            # Bytes pass through as the service sent them (Content-Encoding and
            # Content-Length stay true), and no header the client did not send is added.
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            # A shared session must never replay one caller's cookies for another.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the upstream pool is not started")
        return self._session


class ProxyMiddleware:
    def __init__(self, app: ASGIApp, upstreams: Upstreams) -> None:
        self.app = app
        self.upstreams = upstreams
        self.known = ", ".join(sorted(upstreams.by_name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        name = path[len(PREFIX) :].partition("/")[0]
        upstream = self.upstreams.by_name.get(name)
        if upstream is not None:
            scope["route"] = upstream
            await self._forward(upstream, scope, receive, send)
        elif name in OWN_AREAS:
            await self.app(scope, receive, send)
        else:
            await _problem(
                scope,
                send,
                404,
                "unknown-service",
                "Unknown service",
                f"No service '{name}' behind {PREFIX} (known: {self.known}) / 未知服务",
            )

    async def _forward(
        self, upstream: Upstream, scope: Scope, receive: Receive, send: Send
    ) -> None:
        # The services verify tokens and scope themselves; this only spares them calls
        # that cannot succeed.
        if not any(name == b"authorization" for name, _ in scope["headers"]):
            await _problem(
                scope,
                send,
                401,
                "unauthorized",
                "Unauthorized",
                "A bearer access token is required / 需要访问令牌",
                {"WWW-Authenticate": "Bearer"},
            )
            return
        body = await _read_body(receive)  # EdgeMiddleware's receive enforces the size limit
        if body is None:
            return  # the client went away
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode()
        target = upstream.base + raw_path.decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        client = scope.get("client")
        headers = with_trace_headers(
            upstream_headers(
                scope["headers"],
                scope["state"]["request_id"],
                client[0] if client else None,
                scope["scheme"],
            )
        )
        started = False
        try:
            async with self.upstreams.session.request(
                scope["method"],
                URL(target, encoded=True),  # the path and query go on byte for byte
                headers=headers,
                data=body or None,
                allow_redirects=False,
            ) as response:
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status,
                        "headers": downstream_headers(response.raw_headers),
                    }
                )
                started = True
                # Streamed: a large export never sits whole in the gateway's memory.
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("%s upstream failed: %s: %s", upstream.name, type(exc).__name__, exc)
            if started:
                return  # mid-body: uvicorn closes the connection, the client sees it cut
            if isinstance(exc, TimeoutError):
                await _problem(
                    scope,
                    send,
                    504,
                    "upstream-timeout",
                    "Gateway timeout",
                    f"The {upstream.name} service did not answer within "
                    f"{self.upstreams.timeout_seconds:g} s / 服务响应超时",
                )
            else:
                await _problem(
                    scope,
                    send,
                    502,
                    "upstream-unavailable",
                    "Bad gateway",
                    f"The {upstream.name} service is unreachable or failed to answer / 服务不可用",
                )


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _problem(
    scope: Scope,
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = problem_response(
        status, slug, title, detail, instance=scope["path"], headers=headers
    )
    await response(scope, _no_body, send)


async def _no_body() -> dict[str, object]:
    return {"type": "http.disconnect"}
