"""The one way a service process is assembled: database, NATS link, outbox relay,
consumers, token verifier, problem handlers, health and metrics endpoints.

Every service calls `create_service_app` from its `app.py`; what differs between services
is only their routers, their tables and the events they consume.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic_settings import BaseSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import compile_path

from cwp_common.auth import TokenVerifier
from cwp_common.db import make_engine, make_read_session_factory, make_session_factory, read_engine
from cwp_common.direct_reads import DIRECT_READS, direct_reads
from cwp_common.events.access import inbox_prefix, ungranted
from cwp_common.events.consumer import ConsumerRunner, Subscription
from cwp_common.events.metrics import Backbone, BackboneCollector, read_backbone
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.outbox import (
    Outbox,
    OutboxPrune,
    OutboxRelay,
    bind_outbox,
    relay_engine,
)
from cwp_common.events.tables import EventTables
from cwp_common.logs import configure_logging
from cwp_common.openapi import document_problems
from cwp_common.problems import install_problem_handlers
from cwp_common.redact import describe
from cwp_common.request_handlers import install_plain_handlers
from cwp_common.revocation import RevocationFeed, RevocationList
from cwp_common.routing import index_routes, route_directly, segment_convertor
from cwp_common.settings import (
    InsecureConfiguration,
    PlatformSettings,
    refuse_development_defaults,
)
from cwp_common.telemetry import TracingMiddleware, flush_tracing, setup_tracing
from cwp_common.web import EdgeMiddleware, Metrics, close_when_done

log = logging.getLogger("cwp.service")


@dataclass
class Runtime:
    """What a running service holds; reachable from handlers as request.app.state.runtime."""

    name: str
    platform: PlatformSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: EventTables
    link: NatsLink | None
    outbox: Outbox
    relay: OutboxRelay | None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    revocation_feed: RevocationFeed | None = None
    # Sessions for GET and HEAD requests: autocommit, writes refused (cwp_common.db).
    reads: async_sessionmaker[AsyncSession] | None = None
    read_engine: AsyncEngine | None = None
    backbone: BackboneCollector | None = None  # outbox, consumer lag, dead letters


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "registry": also the event source and the stream it produces
    title: str
    database_url: str
    tables: EventTables
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription] = ()
    # Runs before the token verifier is loaded and background tasks start (the gateway
    # creates its dev keys and bootstrap administrator here).
    on_starting: Callable[[Runtime], Awaitable[None]] | None = None
    on_stopping: Callable[[Runtime], Awaitable[None]] | None = None
    # Plain ASGI middleware that runs inside EdgeMiddleware and before the router, outer
    # first (the gateway's proxy).
    middleware: Sequence[Middleware] = ()
    create_schema: bool = False  # tests only; real deployments run Alembic
    # The service's own settings: their development defaults are refused outside dev.
    settings: BaseSettings | None = None
    events: bool = True  # False for a process that neither publishes nor consumes (gateway)


async def runtime(request: Request) -> Runtime:  # async: no thread-pool hop per request
    return request.app.state.runtime  # type: ignore[no-any-return]


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def session(request: Request) -> AsyncSession:
    """A write request's session opens a transaction (the use case begins it); a read's
    runs each statement on its own, with no BEGIN and ROLLBACK around it. Closed by
    EdgeMiddleware once the answer is out."""
    rt: Runtime = request.app.state.runtime
    factory = rt.reads if rt.reads is not None and request.method in SAFE_METHODS else None
    return _request_session(request, (factory or rt.sessions)())


async def transaction_session(request: Request) -> AsyncSession:
    """A transactional session whatever the method, for the rare GET that needs one: one
    that writes (a dashboard page renewing its sign-in from the refresh token) or one that
    streams rows through a server-side cursor, which PostgreSQL keeps only inside a
    transaction (a file of rejected import rows, a certificate sheet)."""
    rt: Runtime = request.app.state.runtime
    return _request_session(request, rt.sessions())


def _request_session(request: Request, s: AsyncSession) -> AsyncSession:
    async def close() -> None:
        # A session with no transaction holds no connection (a GET served by direct reads,
        # a write already committed): closing it would only cost a greenlet switch.
        if s.in_transaction():
            await s.close()

    close_when_done(request.scope, close)
    return s


SessionDep = Annotated[AsyncSession, Depends(session)]
TransactionSessionDep = Annotated[AsyncSession, Depends(transaction_session)]
RuntimeDep = Annotated[Runtime, Depends(runtime)]


def create_service_app(spec: ServiceSpec, platform: PlatformSettings | None = None) -> FastAPI:
    platform = platform or PlatformSettings()
    refuse_development_defaults(platform, platform, *([spec.settings] if spec.settings else []))
    if spec.events:
        check_subscriptions(spec)
    configure_logging(platform.log_level, platform.log_format, spec.name)
    tracing = setup_tracing(spec.name, platform.otlp_endpoint)
    metrics = Metrics(spec.name)
    backbone = BackboneCollector(spec.name) if spec.events else None
    if backbone is not None:
        backbone.register(metrics.registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(spec.database_url)
        outbox = Outbox(spec.tables, f"cwp.{spec.name}")
        sessions = make_session_factory(engine, bind_outbox({}, outbox))
        reads_engine = read_engine(engine)
        direct = direct_reads(engine)
        link: NatsLink | None = None
        relay: OutboxRelay | None = None
        prune: OutboxPrune | None = None
        relay_db = engine
        if spec.events:
            link = NatsLink(
                platform.nats_url,
                f"cwp-{spec.name}",
                [spec.name],
                credentials=platform.nats_credentials(spec.name),
                inbox=inbox_prefix(spec.name),
            )
            relay_db = relay_engine(engine)  # its own pool on PostgreSQL
            relay_sessions = make_session_factory(relay_db)
            relay = OutboxRelay(relay_db, spec.tables, link)
            prune = OutboxPrune(relay_sessions, spec.tables, platform.outbox_keep_days)
            outbox.on_commit = relay.notify
        rt = Runtime(
            name=spec.name,
            platform=platform,
            engine=engine,
            sessions=sessions,
            tables=spec.tables,
            link=link,
            outbox=outbox,
            relay=relay,
            reads=make_read_session_factory(
                reads_engine, {DIRECT_READS: direct} if direct is not None else None
            ),
            read_engine=reads_engine,
        )
        revoked = RevocationList(
            platform.token_max_lifetime_seconds + platform.token_leeway_seconds
        )
        if link is not None:
            rt.revocation_feed = RevocationFeed(link, revoked)
            rt.consumers = [
                ConsumerRunner(s, link, sessions, spec.tables) for s in spec.subscriptions
            ]
        if backbone is not None:
            backbone.consumers = rt.consumers
            rt.backbone = backbone
        app.state.runtime = rt
        try:
            if spec.create_schema:
                async with engine.begin() as conn:
                    await conn.run_sync(spec.tables.outbox.metadata.create_all)
            if spec.on_starting:
                await spec.on_starting(rt)
            app.state.token_verifier = TokenVerifier.from_files(
                platform.jwt_public_key_paths,
                platform.jwt_issuer,
                platform.jwt_audience,
                leeway_seconds=platform.token_leeway_seconds,
                max_lifetime_seconds=platform.token_max_lifetime_seconds,
                revocations=revoked,
            )
            if link is not None and relay is not None:
                link.start()
                relay.start()
            if prune is not None:
                prune.start()
            if rt.revocation_feed is not None:
                rt.revocation_feed.start()
            for c in rt.consumers:
                c.start()
            app.openapi()  # built now, once: on first read it took 1-4 s under load
            log.info("%s service started", spec.name)
            yield
        finally:
            # Also after a failed start: whatever was opened is closed again. The
            # consumers stop together: each may wait out a fetch or a retry first.
            await asyncio.gather(*(c.stop() for c in rt.consumers))
            if rt.revocation_feed is not None:
                await rt.revocation_feed.stop()
            if prune is not None:
                await prune.stop()
            if relay is not None:
                await relay.stop()
            if link is not None:
                await link.close()
            if spec.on_stopping:
                await spec.on_stopping(rt)
            await engine.dispose()
            if relay_db is not engine:
                await relay_db.dispose()
            if reads_engine.pool is not engine.pool:
                await reads_engine.dispose()
            if direct is not None:
                await direct.close()
            flush_tracing()

    # FastAPI's own OpenTelemetry is off: TracingMiddleware makes the one server span per
    # request, and FastAPI's looked up three providers (and the environment) per request.
    quiet = TelemetryConfig(tracing=False, metrics=False, logs=False)
    app = FastAPI(title=spec.title, lifespan=lifespan, version="1.0.0", telemetry=quiet)
    app.state.metrics = metrics  # a service registers its own metrics on metrics.registry
    install_problem_handlers(app)
    document_problems(app, made_of=spec.routers)
    # add_middleware puts each new one outside the previous: the spec's own middleware
    # runs inside EdgeMiddleware (request id, size limit, metrics, access log).
    for mw in reversed(spec.middleware):
        app.add_middleware(mw.cls, *mw.args, **mw.kwargs)
    app.add_middleware(
        EdgeMiddleware,
        metrics=metrics,
        max_body_bytes=platform.max_body_bytes,
        upload_paths=platform.upload_paths,
        upload_max_body_bytes=platform.upload_max_body_bytes,
    )
    if tracing:  # outermost, so the access-log line carries the trace id
        app.add_middleware(TracingMiddleware)
    add_health_routes(app, metrics)
    for router in spec.routers:
        match_ids_only(router)
        for route in router.routes:
            if isinstance(route, APIRoute):
                install_plain_handlers(route)
        app.include_router(router)
        if router.prefix:
            route_directly(app, app.router.routes[-1], router)
    index_routes(app)
    return app


def match_ids_only(router: APIRouter) -> None:
    """A path parameter typed UUID matches only a UUID, and one with an anchored pattern
    (`^...$`) only a value of that pattern, so `/ladders/preview` is never read as
    `/ladders/{ladder_id}` with a bad id, nor `/divisions/bulk` as `/divisions/{code}`
    with a bad code: a method the path does not serve gets 405 with the right Allow
    header, as its OpenAPI document says, not a 422."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        path = route.path
        for param in route.dependant.path_params:
            convertor: str | None = "uuid"
            if param.field_info.annotation is not uuid.UUID:
                convertor = segment_convertor(param.field_info.metadata)
            if convertor is None:
                continue
            path = path.replace(f"{{{param.name}}}", f"{{{param.name}:{convertor}}}")
        if path != route.path:
            route.path = path
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)


def check_subscriptions(spec: ServiceSpec) -> None:
    """A consumer the NATS permission table does not grant would fail at run time with a
    permissions violation; say so at start, with the fix."""
    missing = ungranted(spec.name, [(s.stream, s.durable) for s in spec.subscriptions])
    if missing:
        raise InsecureConfiguration(
            f"{spec.name} consumes {', '.join(missing)}, which cwp_common.events.access "
            "does not grant: add the durable to CONSUMERS there"
        )


def add_health_routes(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/livez", include_in_schema=False)
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        rt: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            async with rt.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {exc.__class__.__name__}"
        if rt.link is not None:
            if not rt.link.connected:
                checks["nats"] = "down"
            elif rt.link.missing is not None:  # the deployment has not made it yet
                checks["nats"] = f"stream {rt.link.missing} missing: run `cwp streams apply`"
            else:
                checks["nats"] = "ok"
        if rt.revocation_feed is not None:  # not ready to refuse revoked tokens until replayed
            checks["revocations"] = (
                "ok" if rt.revocation_feed.revocations.caught_up else "replaying"
            )
        ok = all(v == "ok" for v in checks.values())
        answer: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": checks}
        reading = await refresh_backbone(rt) if checks.get("database") == "ok" else None
        if reading is not None:
            answer["events"] = reading.detail()
        return JSONResponse(answer, 200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        await refresh_backbone(request.app.state.runtime)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def refresh_backbone(rt: Runtime) -> Backbone | None:
    """Read the event backbone's figures now; None (the last reading kept) when the
    service has none or the database cannot answer."""
    if rt.backbone is None:
        return None
    try:
        reading = await read_backbone(rt.sessions, rt.tables, rt.link, rt.consumers)
    except Exception as exc:
        log.warning("event backbone figures unavailable: %s", describe(exc))
        return None
    rt.backbone.reading = reading
    return reading
