"""Forwarding /api/v1/<service>/... to the service, as ASGI middleware in front of the
FastAPI router: proxied calls never touch routing, dependencies or Pydantic.

The client was chosen by measurement (bench/gateway.py, 2 shared cores, 32 connections,
10 s runs, medians; "minimal" is bench/minimal_service.py, the registry a real worker read):

    client (upstream)                  direct rps  gateway rps  ratio  gateway CPU/request
    aiohttp, streamed (minimal)           2527        1828      0.72      240 µs
    aiohttp, body buffered (minimal)      2290        1696      0.74      243-263 µs
    httpx AsyncClient (minimal)           1934         269      0.14      ~2900 µs
    aiohttp, streamed (registry)           599         533      0.89      ~360 µs

The registry's read then became several times cheaper, and aiohttp's own cost, about 145 µs
of CPU per request (a quarter of a proxied read's), was the largest part of the
gateway's: proxied calls now go through proxy/client.py (about 25 µs), streamed as before.
Streaming costs no more than buffering and keeps a large export out of the gateway's
memory; httpx's pool collapses under concurrency (encode/httpx#3215). aiohttp remains the
client of the gateway's own calls (the /me parts, the services' documents, webhooks).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cwp_common.auth import Principal, TokenVerifier
from cwp_common.problems import ProblemError, problem_response
from cwp_common.telemetry import with_trace_headers
from cwp_common.web import PayloadTooLarge, is_upload
from cwp_gateway.accounts.rules import Network, client_address
from cwp_gateway.audit.recorder import AuditRecorder
from cwp_gateway.proxy.client import NoAnswer, UpstreamClient, UpstreamError
from cwp_gateway.proxy.headers import downstream_headers, upstream_headers
from cwp_gateway.proxy.resilience import IDEMPOTENT, CircuitBreaker, RateLimiter, timeout_for

PREFIX = "/api/v1/"
# The gateway's own routers (openapi.json and docs: the merged API document).
OWN_AREAS = frozenset({"auth", "me", "audit", "reports", "webhooks", "openapi.json", "docs"})
log = logging.getLogger("cwp.gateway.proxy")


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    base: str  # scheme://host:port[/prefix], no trailing slash
    path: str  # the route label EdgeMiddleware puts on metrics


# Paths any caller may use without a token: an applicant's own application to an open
# recruitment round (cwp_registry.recruitment.router). Limited per client address by
# Protection.public, whatever token comes with them.
PUBLIC_PREFIXES = ("/api/v1/registry/recruitment/public/",)
WHOLE = 64 * 1024  # answers up to this size are read whole, then sent in one message


@dataclass
class Protection:
    """The proxy's guards (see resilience.py); defaults keep them all switched on."""

    users: RateLimiter = field(default_factory=lambda: RateLimiter(rate=50, burst=100))
    clients: RateLimiter = field(default_factory=lambda: RateLimiter(rate=200, burst=400))
    anonymous: RateLimiter = field(default_factory=lambda: RateLimiter(rate=20, burst=40))
    # The applicants' public path (PUBLIC_PREFIXES), per client address.
    public: RateLimiter = field(default_factory=lambda: RateLimiter(rate=0.2, burst=10))
    # The gateway's own webhooks API (webhooks/router.py) counts against the account's
    # budget above like a proxied call; these two costly steps, per account, also against
    # their own: a subscription (a name resolved, a row every event fans out to) and a
    # replay (up to 10,000 events read from the streams).
    webhook_subscribes: RateLimiter = field(default_factory=lambda: RateLimiter(rate=0.1, burst=10))
    webhook_replays: RateLimiter = field(default_factory=lambda: RateLimiter(rate=1 / 60, burst=3))
    breaker_threshold: int = 5
    breaker_cooldown: float = 10.0
    route_timeouts: Mapping[str, float] = field(default_factory=dict)
    retry_pause: float = 0.05  # before the one retry of an idempotent call

    def per_account(self, principal: Principal) -> float:
        """Seconds to wait, or 0: the account's one budget for the whole API, proxied
        calls and the gateway's own limited routes alike (API clients at their rate)."""
        limiter = self.clients if principal.kind == "client" else self.users
        return limiter.take(account_key(principal))


def account_key(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


class Upstreams:
    """The services behind the gateway and the one HTTP client pool that reaches them."""

    def __init__(
        self,
        bases: Mapping[str, str],
        timeout_seconds: float,
        pool_size: int,
        protection: Protection | None = None,
    ) -> None:
        self.by_name = {
            name: Upstream(name, base.rstrip("/"), f"{PREFIX}{name}/{{path}}")
            for name, base in bases.items()
        }
        self.timeout_seconds = timeout_seconds
        self.protection = protection or Protection()
        self.breakers = {
            name: CircuitBreaker(
                self.protection.breaker_threshold, self.protection.breaker_cooldown
            )
            for name in bases
        }
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._client: UpstreamClient | None = None

    def timeout(self, path: str) -> float:
        """The route's timeout in seconds: for a connection (a pooled one included), and
        for the longest silence while waiting for the answer's head or its next piece."""
        return timeout_for(path, self.protection.route_timeouts, self.timeout_seconds)

    async def start(self) -> None:
        self._client = UpstreamClient(self._pool_size)
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
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def client(self) -> UpstreamClient:
        """The proxied calls' client (proxy/client.py)."""
        if self._client is None:
            raise RuntimeError("the upstream pool is not started")
        return self._client

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the upstream pool is not started")
        return self._session


class ProxyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        upstreams: Upstreams,
        audit: AuditRecorder | None = None,
        trusted_proxies: tuple[Network, ...] = (),
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.upstreams = upstreams
        self.audit = audit
        self.trusted = trusted_proxies
        # File uploads (PlatformSettings.upload_paths) are streamed to the service, not
        # buffered: EdgeMiddleware lets them grow to the upload limit.
        self.upload_paths = frozenset(p.rstrip("/") for p in upload_paths)
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
            await self._audited(upstream, scope, receive, send)
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

    async def _audited(
        self, upstream: Upstream, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Forward; a write or a full-ID read is audited: its row is committed while the
        service works, before the answer's first bytes go out, and the answer's status
        follows as its outcome (see AuditRecorder)."""
        principal = _caller(scope)
        audit = self.audit
        if audit is None or not audit.audited(scope["method"], scope["path"], principal):
            await self._forward(upstream, principal, scope, receive, send)
            return
        row = audit.row(
            principal,
            scope["method"],
            scope["path"],
            self._address(scope),
            scope["state"]["request_id"],
        )
        assert row is not None  # an audited request has a row
        on_record = audit.begin(row)
        answered = False

        async def watching(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                await audit.on_record(on_record)
                audit.answered(row["id"], message["status"])
            await send(message)

        try:
            await self._forward(upstream, principal, scope, receive, watching)
        finally:
            if not answered:  # no answer at all: on record as a 500
                audit.answered(row["id"], 500)

    def _address(self, scope: Scope) -> str:
        """The caller's address: the TCP peer, or X-Forwarded-For from a trusted proxy."""
        headers = dict(scope["headers"])
        client = scope.get("client")
        return client_address(
            client[0] if client else "unknown",
            headers.get(b"x-forwarded-for", b"").decode("latin-1") or None,
            self.trusted,
        )

    def _rate_limited(self, scope: Scope, principal: Principal | None) -> float:
        """Seconds to wait, or 0. Per account (the token's subject, users and API clients
        with their own rates); a token that does not verify counts against the client
        address instead, and the service refuses it as before."""
        protection = self.upstreams.protection
        if scope["path"].startswith(PUBLIC_PREFIXES):
            return protection.public.take(self._address(scope))
        if principal is not None:
            return protection.per_account(principal)
        client = scope.get("client")
        return protection.anonymous.take(client[0] if client else "unknown")

    async def _forward(
        self,
        upstream: Upstream,
        principal: Principal | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        # The services verify tokens and scope themselves; this only spares them calls
        # that cannot succeed.
        public = scope["path"].startswith(PUBLIC_PREFIXES)
        if not public and not any(name == b"authorization" for name, _ in scope["headers"]):
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
        wait = self._rate_limited(scope, principal)
        if wait:
            await _problem(
                scope,
                send,
                429,
                "rate-limited",
                "Too many requests",
                "Too many requests from this account or address; slow down / 请求过于频繁",
                {"Retry-After": str(math.ceil(wait))},
            )
            return
        breaker = self.upstreams.breakers[upstream.name]
        if not breaker.allow():
            await _problem(
                scope,
                send,
                503,
                "upstream-circuit-open",
                "Service unavailable",
                f"The {upstream.name} service is failing; calls pause briefly / 服务暂时不可用",
                {"Retry-After": str(breaker.retry_after())},
            )
            return
        # EdgeMiddleware's receive enforces the size limit (the upload limit for uploads).
        streamed = _StreamedBody(receive) if is_upload(scope, self.upload_paths) else None
        body = await _read_body(receive) if streamed is None else b""
        if body is None:
            breaker.abandoned()
            return  # the client went away
        # The path and query go on byte for byte.
        target = scope.get("raw_path") or quote(scope["path"]).encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        client = scope.get("client")
        headers = with_trace_headers(
            upstream_headers(
                scope["headers"],
                scope["state"]["request_id"],
                client[0] if client else None,
                scope["scheme"],
            )
        )
        if streamed is not None:
            # The declared length goes on, so the service frames (and limits) the body as
            # the client sent it; without one, it goes chunked.
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None:
                headers.append(("Content-Length", length.decode("latin-1")))
        started = False
        seconds = self.upstreams.timeout(scope["path"])
        attempts = 2 if scope["method"] in IDEMPOTENT else 1
        try:
            for attempt in range(attempts):
                try:
                    response = await self.upstreams.client.request(
                        upstream.base,
                        scope["method"],
                        target,
                        headers,
                        streamed.chunks() if streamed is not None else body,
                        connect_timeout=seconds,
                        read_timeout=seconds,
                    )
                    break
                except TimeoutError:
                    raise  # not retried: the route's time is spent
                except (NoAnswer, OSError):
                    # Nothing came back (refused, or a pooled connection the service had
                    # closed): an idempotent call may go once more.
                    if attempt + 1 == attempts:
                        raise
                    await asyncio.sleep(self.upstreams.protection.retry_pause)
            if streamed is not None and (streamed.too_large or streamed.gone):
                response.close()  # the service saw a cut body; its answer is moot
                breaker.abandoned()
                if streamed.too_large:
                    raise PayloadTooLarge  # EdgeMiddleware answers 413
                return
            if response.status in (502, 503, 504):
                breaker.failed()
            else:
                breaker.succeeded()
            async with response:
                length = response.content_length
                # A small answer goes on whole, in one message; a cut one is a 502.
                whole = await response.read() if length is not None and length <= WHOLE else None
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status,
                        "headers": downstream_headers(response.headers),
                    }
                )
                started = True
                if whole is not None:
                    await send({"type": "http.response.body", "body": whole})
                    return
                # Streamed: a large export never sits whole in the gateway's memory.
                async for chunk in response.chunks():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        except (UpstreamError, OSError) as exc:  # OSError: TimeoutError, a refused connect
            log.warning("%s upstream failed: %s: %s", upstream.name, type(exc).__name__, exc)
            if started:
                return  # mid-body: uvicorn closes the connection, the client sees it cut
            breaker.failed()
            if isinstance(exc, TimeoutError):
                await _problem(
                    scope,
                    send,
                    504,
                    "upstream-timeout",
                    "Gateway timeout",
                    f"The {upstream.name} service did not answer within "
                    f"{seconds:g} s / 服务响应超时",
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


def _caller(scope: Scope) -> Principal | None:
    """The verified principal of the request's bearer token (cached by the verifier: a
    dict lookup when hot), or None; the service still checks the token itself."""
    verifier: TokenVerifier | None = getattr(scope["app"].state, "token_verifier", None)
    token = _bearer(scope)
    if verifier is None or not token:
        return None
    try:
        return verifier.verify(token)
    except ProblemError:
        return None


def _bearer(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""


class _StreamedBody:
    """An upload passed on as it arrives. The body ends early when the client goes away or
    passes the upload limit (a chunked request; a declared length over the limit is
    refused before this); the caller then drops the service's answer."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.gone = False
        self.too_large = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            try:
                message = await self.receive()
            except PayloadTooLarge:
                self.too_large = True
                return
            if message["type"] == "http.disconnect":
                self.gone = True
                return
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


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
