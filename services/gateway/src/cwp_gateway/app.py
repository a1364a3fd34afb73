"""The gateway process: the auth endpoints (FastAPI), the proxy to the services, and the
producer of account revocations (gateway.account.revoked.v1)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from cwp_common.service import Runtime, ServiceSpec, create_service_app
from cwp_common.settings import PlatformSettings
from cwp_gateway.accounts.following import SUBSCRIPTION as WORKER_ACCOUNTS
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.accounts.router import router as auth_router
from cwp_gateway.audit.recorder import AuditRecorder
from cwp_gateway.audit.router import router as audit_router
from cwp_gateway.config import Settings
from cwp_gateway.dashboard.router import router as dashboard_router
from cwp_gateway.dashboard.sources import Sources
from cwp_gateway.db import EVENTS
from cwp_gateway.internal import PublicSide
from cwp_gateway.me.router import router as me_router
from cwp_gateway.openapi.router import router as openapi_router
from cwp_gateway.openapi.sources import ServiceDocuments
from cwp_gateway.proxy.forward import ProxyMiddleware, Upstreams
from cwp_gateway.reports.router import router as reports_router
from cwp_gateway.startup import start_gateway
from cwp_gateway.state import GatewayState
from cwp_gateway.webhooks.delivery import DeliveryWorker as WebhookWorker
from cwp_gateway.webhooks.fanout import SUBSCRIPTIONS as WEBHOOK_SUBSCRIPTIONS
from cwp_gateway.webhooks.router import router as webhooks_router


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    platform = platform or PlatformSettings()
    state = GatewayState(settings=settings, passwords=Passwords())
    upstreams = Upstreams(
        settings.upstreams(),
        settings.upstream_timeout_seconds,
        settings.upstream_pool_size,
        settings.protection(),
    )

    audit = AuditRecorder(gather_seconds=settings.audit_gather_seconds)
    docs = ServiceDocuments(settings.upstreams(), session=lambda: upstreams.session)
    webhooks = WebhookWorker(
        settings.webhook_retries(), dev=platform.is_dev, poll_seconds=settings.webhook_poll_seconds
    )

    async def starting(rt: Runtime) -> None:
        await start_gateway(state, platform, rt)
        await upstreams.start()
        audit.start(rt.sessions)
        webhooks.start(rt.sessions)

    async def stopping(rt: Runtime) -> None:
        await webhooks.stop()
        await audit.stop()
        await upstreams.close()

    app = create_service_app(
        ServiceSpec(
            name="gateway",
            title="Community Workforce Platform API gateway",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                auth_router,
                me_router,
                audit_router,
                reports_router,
                dashboard_router,
                openapi_router,
                webhooks_router,
            ],
            # Events the gateway consumes: every subscribable type, for webhooks, and the
            # registry's word on workers, whose accounts follow their moves and exits.
            subscriptions=[*WEBHOOK_SUBSCRIPTIONS, WORKER_ACCOUNTS],
            on_starting=starting,
            on_stopping=stopping,
            middleware=[
                # Outermost: a browser's preflight is answered before anything else.
                Middleware(
                    CORSMiddleware,
                    allow_origins=settings.cors_origins,
                    allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                    allow_headers=["Authorization", "Content-Type", "If-None-Match"],
                    expose_headers=["ETag", "Retry-After", "X-Request-ID"],
                    max_age=600,
                ),
                Middleware(PublicSide),
                Middleware(
                    ProxyMiddleware,
                    upstreams=upstreams,
                    audit=audit if settings.audit_requests else None,
                    trusted_proxies=state.trusted_proxies,
                    upload_paths=platform.upload_paths,
                ),
            ],
            create_schema=create_schema,
            settings=settings,
            # A producer too: account revocations leave through the outbox to every service.
        ),
        platform,
    )
    state.upstreams = upstreams
    app.state.gateway = state
    app.state.audit = audit
    docs.own = app.openapi  # merged with the services' documents at /api/v1/openapi.json
    app.state.openapi_documents = docs
    app.state.webhooks = webhooks
    app.state.dashboard_sources = Sources(upstreams)  # the dashboard's and reports' figures
    return app
