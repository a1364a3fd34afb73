"""ASGI plumbing every HTTP process shares: request ids, body size limit, access log
and Prometheus metrics (requests and latency by route; cwp_common.logs frames the lines). Written as plain ASGI middleware because it is on every
request's path and Starlette's BaseHTTPMiddleware costs far more."""

from __future__ import annotations

import contextvars
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cwp_common.problems import problem_response
from cwp_common.redact import describe, log_safe

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_CLOSING = "cwp.closing"  # scope["state"] key: what the request opened and must close
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("cwp.access")


class Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.service = service
        # Each request's labelled children, found once: labels() takes a lock and builds
        # its key on every call.
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[str, Any] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        counter = self._counted.get((method, route, status))
        if counter is None:
            counter = self.requests.labels(self.service, method, route, str(status))
            self._counted[(method, route, status)] = counter
        counter.inc()
        timer = self._timed.get(route)
        if timer is None:
            timer = self._timed[route] = self.latency.labels(self.service, route)
        timer.observe(seconds)


class PayloadTooLarge(Exception):
    pass


def is_upload(scope: Scope, upload_paths: frozenset[str]) -> bool:
    """A file upload (POST to one of the upload routes), which has its own size limit."""
    return scope["method"] == "POST" and scope["path"].rstrip("/") in upload_paths


def close_when_done(scope: Scope, close: Callable[[], Awaitable[None]]) -> None:
    """Have `close` called once the request's answer has been sent (or it failed): a
    dependency that opens something (a database session) registers it here instead of
    being a generator, whose exit stack FastAPI pays for on every request."""
    scope["state"].setdefault(_CLOSING, []).append(close)


async def _close_all(scope: Scope) -> None:
    for close in reversed(scope["state"].pop(_CLOSING, ())):
        try:
            await close()
        except Exception as exc:  # the answer is out; the pool drops a broken connection
            access_log.warning("closing a request's resource failed: %s", describe(exc))


class EdgeMiddleware:
    """Request id in and out, body size limit (a larger one for the upload routes),
    metrics and one access-log line."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        upload_paths: tuple[str, ...] = (),
        upload_max_body_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.upload_paths = frozenset(p.rstrip("/") for p in upload_paths)
        self.upload_max_body = upload_max_body_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        length = -1
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid = value.decode("latin-1")
            elif name == b"content-length":
                length = int(value) if value.isdigit() else -1
        if not _VALID_REQUEST_ID.match(rid):
            # A UUID's worth of hex. A correlation id, not a secret: the process's own
            # generator (reseeded in a forked child), not a getrandom call per request.
            rid = f"{random.getrandbits(128):032x}"
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        rid_header = (b"x-request-id", rid.encode())
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        received = 0
        limit = self.upload_max_body if is_upload(scope, self.upload_paths) else self.max_body

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge
            return message

        try:
            if length > limit:
                await self._too_large(scope, send_with_id, limit)
            else:
                try:
                    await self.app(scope, limited_receive, send_with_id)
                except PayloadTooLarge:
                    await self._too_large(scope, send_with_id, limit)
        finally:
            await _close_all(scope)
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], path, status, elapsed)
            access_log.info(
                "%s %s %s %.1fms",
                log_safe(scope["method"]),
                log_safe(scope["path"]),
                status,
                elapsed * 1000,
            )
            request_id_var.reset(token)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            "payload-too-large",
            "Payload too large",
            f"The request body exceeds {limit} bytes / 请求体过大",
        )
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}
