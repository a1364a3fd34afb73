"""The training process: catalogue, classes, hours, compliance, exams, qualifications
and skill levels on the shared service frame, consuming registry worker events."""

from __future__ import annotations

from fastapi import FastAPI

from cwp_common.events.consumer import Subscription
from cwp_common.service import Runtime, ServiceSpec, create_service_app
from cwp_common.settings import PlatformSettings
from cwp_training.catalogue.router import router as catalogue_router
from cwp_training.classes.router import router as classes_router
from cwp_training.compliance.jobs import DailyShortfalls
from cwp_training.compliance.router import router as compliance_router
from cwp_training.config import Settings
from cwp_training.db import EVENTS
from cwp_training.demo import seed_demo_catalogue
from cwp_training.exams.router import router as exams_router
from cwp_training.policy.router import router as policy_router
from cwp_training.policy.rules import shipped
from cwp_training.qualifications.router import router as qualifications_router
from cwp_training.sheets.router import router as sheets_router
from cwp_training.skills.router import router as skills_router
from cwp_training.workers.handlers import on_worker_event

SUBSCRIPTIONS = (Subscription("training-workers", "registry.worker.>", on_worker_event),)


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    shipped()  # broken policy data stops the process here, not on first use

    shortfalls: DailyShortfalls | None = None

    async def starting(rt: Runtime) -> None:
        nonlocal shortfalls
        if settings.demo_catalogue:
            await seed_demo_catalogue(rt.sessions)
        if settings.shortfall_job:
            shortfalls = DailyShortfalls(rt.sessions, settings.shortfall_notice_days)
            shortfalls.start()

    async def stopping(rt: Runtime) -> None:
        if shortfalls is not None:
            await shortfalls.stop()

    app = create_service_app(
        ServiceSpec(
            name="training",
            title="CWP training",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                policy_router,
                sheets_router,  # before the routes its fixed paths would be taken for ids
                catalogue_router,
                classes_router,
                qualifications_router,
                exams_router,
                skills_router,
                compliance_router,
            ],
            subscriptions=SUBSCRIPTIONS if settings.consume_events else (),
            create_schema=create_schema,
            on_starting=starting,
            on_stopping=stopping,
            settings=settings,
        ),
        platform,
    )
    app.state.settings = settings
    return app
