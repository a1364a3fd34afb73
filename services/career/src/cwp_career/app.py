"""The career process: ladders, grading, workers, assessments and eligibility routers on
the shared service frame, consuming registry worker events and training qualifications."""

from __future__ import annotations

from fastapi import FastAPI

from cwp_career.assessments.router import router as assessments_router
from cwp_career.config import Settings
from cwp_career.db import EVENTS
from cwp_career.eligibility.router import router as eligibility_router
from cwp_career.grading.jobs import DailyRegrade, JobRunner
from cwp_career.grading.router import router as grading_router
from cwp_career.ladders.router import router as ladders_router
from cwp_career.ladders.templates import templates
from cwp_career.workers.handlers import on_training_event, on_worker_event, on_worker_events
from cwp_career.workers.router import router as workers_router
from cwp_common.events.consumer import Subscription
from cwp_common.service import Runtime, ServiceSpec, create_service_app
from cwp_common.settings import PlatformSettings

SUBSCRIPTIONS = (
    Subscription(
        "career-workers",
        "registry.worker.>",
        on_worker_event,
        on_worker_events,
        independent_subjects=True,
    ),
    Subscription("career-training", "training.>", on_training_event),
)


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    templates()  # a broken template file stops the process here, not on first use

    # Regrade jobs (and the daily one) run beside the frame's tasks and stop before the
    # engine closes.
    daily: DailyRegrade | None = None

    async def starting(rt: Runtime) -> None:
        nonlocal daily
        runner = JobRunner(rt.sessions, settings.regrade_batch_size)
        app.state.regrade_jobs = runner
        if settings.daily_regrade:
            daily = DailyRegrade(rt.sessions, runner)
            daily.start()

    async def stopping(rt: Runtime) -> None:
        if daily is not None:
            await daily.stop()
        runner: JobRunner | None = getattr(app.state, "regrade_jobs", None)
        if runner is not None:
            await runner.stop()

    app = create_service_app(
        ServiceSpec(
            name="career",
            title="CWP career",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                ladders_router,
                grading_router,
                workers_router,
                assessments_router,
                eligibility_router,
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
