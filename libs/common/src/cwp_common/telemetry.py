"""OpenTelemetry tracing across the gateway, the services and NATS.

On when `CWP_OTLP_ENDPOINT` names an OTLP/HTTP collector (e.g. http://otel-collector:4318):
each process exports its spans there in batches, under the service name `cwp-<service>`.
Off otherwise, at no cost: no provider is installed, the tracing middleware is not added,
and every hook below returns after reading one flag.

How a trace travels (W3C Trace Context, the `traceparent` header):
- HTTP: a server span per request, a child of the caller's `traceparent` when it sends one;
  the gateway passes its own span on to the service it calls (`with_trace_headers`).
- Events: an event staged inside a traced request carries the request's context in its
  envelope (the CloudEvents distributed-tracing attribute `traceparent`, kept in the outbox
  row), the relay copies it into the NATS message header `traceparent`, and the consumer
  applies the event in a span that continues that trace (one event) or links to each
  event's trace (a batch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cwp.telemetry")
_PROPAGATOR = TraceContextTextMapPropagator()


@dataclass
class _State:
    enabled: bool = False
    tracer: Tracer | None = None
    provider: Any = None  # the SDK's TracerProvider, to flush at exit


TRACING = _State()


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces path under a collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT
    is read), unless the URL already names it."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def setup_tracing(service: str, endpoint: str | None, exporter: Any = None) -> bool:
    """Install the process's tracer provider once; True when tracing is on. `exporter`
    replaces the OTLP one (tests)."""
    if TRACING.enabled:
        return True
    if not endpoint and exporter is None:
        return False
    # Imported here: a process without tracing never loads the SDK.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"cwp-{service}"}))
    provider.add_span_processor(
        BatchSpanProcessor(exporter or OTLPSpanExporter(endpoint=traces_url(endpoint or "")))
    )
    trace.set_tracer_provider(provider)
    TRACING.provider = provider
    TRACING.tracer = provider.get_tracer("cwp")
    TRACING.enabled = True
    log.info("tracing on: spans exported over OTLP")
    return True


def flush_tracing() -> None:
    if TRACING.provider is not None:
        TRACING.provider.force_flush()


def current_traceparent() -> str | None:
    """The active span's context as a `traceparent` value, or None (off, or no span)."""
    if not TRACING.enabled:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the active span, for log lines; None when off."""
    if not TRACING.enabled:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def with_trace_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Outgoing HTTP headers carrying the active span instead of the caller's context."""
    parent = current_traceparent()
    if parent is None:
        return headers
    kept = [(k, v) for k, v in headers if k.lower() not in ("traceparent", "tracestate")]
    return [*kept, ("traceparent", parent)]


def _context_of(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


@contextmanager
def consuming(durable: str, traceparents: Sequence[str | None]) -> Iterator[None]:
    """The span of applying a batch of events: the continuation of the event's trace when
    there is one event, else linked to each event's trace."""
    tracer = TRACING.tracer
    if tracer is None:
        yield
        return
    parent = _context_of(traceparents[0]) if len(traceparents) == 1 else None
    links = []
    if len(traceparents) > 1:
        for tp in traceparents:
            ctx = _context_of(tp)
            span_ctx = trace.get_current_span(ctx).get_span_context() if ctx else None
            if span_ctx is not None and span_ctx.is_valid:
                links.append(Link(span_ctx))
    with tracer.start_as_current_span(
        f"apply {durable}",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={"messaging.system": "nats", "messaging.batch.message_count": len(traceparents)},
    ):
        yield


@contextmanager
def publishing(subject: str, traceparent: str | None) -> Iterator[str | None]:
    """The span of publishing one outbox event, a child of the request that staged it;
    yields the `traceparent` to put in the message header (None when off)."""
    tracer = TRACING.tracer
    if tracer is None:
        yield None
        return
    with tracer.start_as_current_span(
        f"publish {subject}",
        context=_context_of(traceparent),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject},
    ):
        yield current_traceparent()


def _prefix(path: str) -> str:
    """A name for a request no route matched (the gateway's proxied calls): the first
    three segments, /api/v1/<service>, never ids."""
    return "/".join(path.split("/")[:4])


class TracingMiddleware:
    """A server span per HTTP request (outside EdgeMiddleware, so its access-log line
    carries the trace id). Added only when tracing is on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracer = TRACING.tracer
        if scope["type"] != "http" or tracer is None:
            await self.app(scope, receive, send)
            return
        parent = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                parent = _context_of(value.decode("latin-1"))
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with tracer.start_as_current_span(
            scope["method"], context=parent, kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, send_status)
            finally:
                route = getattr(scope.get("route"), "path", None) or _prefix(scope["path"])
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.request.method", scope["method"])
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
