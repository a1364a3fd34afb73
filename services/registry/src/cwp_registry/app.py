"""The registry process: communities and workers routers on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cwp_common.events.consumer import Subscription
from cwp_common.service import ServiceSpec, create_service_app
from cwp_common.settings import InsecureConfiguration, PlatformSettings
from cwp_registry.changes.router import router as changes_router
from cwp_registry.communities.router import router as communities_router
from cwp_registry.config import Settings
from cwp_registry.db import EVENTS
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.imports.router import router as imports_router
from cwp_registry.imports.service import fail_interrupted
from cwp_registry.pii import PiiCipher
from cwp_registry.statistics.handlers import on_grade, on_qualification
from cwp_registry.statistics.router import router as statistics_router
from cwp_registry.terms.router import router as terms_router
from cwp_registry.workers.router import router as workers_router

__all__ = ["InsecureConfiguration", "create_app"]

# Grades and qualifications, for the statistics' distributions.
SUBSCRIPTIONS = (
    Subscription("registry-grades", "career.grade.>", on_grade),
    Subscription("registry-qualifications", "training.qualification.>", on_qualification),
)


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        ServiceSpec(
            name="registry",
            title="CWP registry",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                communities_router,
                workers_router,
                terms_router,
                statistics_router,
                changes_router,
                imports_router,
            ],
            subscriptions=SUBSCRIPTIONS,
            on_starting=lambda rt: fail_interrupted(rt.sessions, Path(settings.import_dir)),
            create_schema=create_schema,
            settings=settings,
        ),
        platform,
    )
    app.state.settings = settings
    app.state.pii = PiiCipher.from_settings(settings)
    app.state.id_check_limit = Limit(settings.id_check_limit, settings.id_check_window_seconds)
    return app
