"""The registry process on the shared service frame: communities, workers and terms;
contracts and social insurance; recruitment; exits (consuming career's exit
recommendations); management, supervision and care records; the contract reminder job."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cwp_common.daily import DailyJob
from cwp_common.events.consumer import Subscription
from cwp_common.service import Runtime, ServiceSpec, create_service_app
from cwp_common.settings import InsecureConfiguration, PlatformSettings
from cwp_registry.care.router import router as care_router
from cwp_registry.changes.router import router as changes_router
from cwp_registry.communities.router import router as communities_router
from cwp_registry.config import Settings
from cwp_registry.contracts.jobs import ContractReminders
from cwp_registry.contracts.router import router as contracts_router
from cwp_registry.db import EVENTS
from cwp_registry.divisions.router import router as divisions_router
from cwp_registry.exits.handlers import on_exit_recommended
from cwp_registry.exits.router import router as exits_router
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.imports.router import router as imports_router
from cwp_registry.imports.service import fail_interrupted
from cwp_registry.management.router import router as management_router
from cwp_registry.pii import PiiCipher
from cwp_registry.recruitment.router import router as recruitment_router
from cwp_registry.statistics.handlers import on_grade, on_grades, on_qualification
from cwp_registry.statistics.jobs import CountFold
from cwp_registry.statistics.router import router as statistics_router
from cwp_registry.supervision.router import router as supervision_router
from cwp_registry.terms.router import router as terms_router
from cwp_registry.workers.router import router as workers_router

__all__ = ["InsecureConfiguration", "create_app"]

SUBSCRIPTIONS = (
    # Grades and qualifications, for the statistics' distributions.
    Subscription("registry-grades", "career.grade.>", on_grade, on_grades),
    Subscription("registry-qualifications", "training.qualification.>", on_qualification),
    # Career's exit recommendations open exit cases that a person confirms or dismisses.
    Subscription("registry-exits", "career.exit.recommended.v1", on_exit_recommended),
)


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    jobs: list[DailyJob] = []

    async def starting(rt: Runtime) -> None:
        await fail_interrupted(rt.sessions, Path(settings.import_dir))
        if settings.contract_reminders:
            jobs.append(ContractReminders(rt.sessions, settings.contract_reminder_days))
        if settings.count_fold:
            jobs.append(CountFold(rt.sessions))
        for job in jobs:
            job.start()

    async def stopping(rt: Runtime) -> None:
        for job in jobs:
            await job.stop()

    app = create_service_app(
        ServiceSpec(
            name="registry",
            title="CWP registry",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                communities_router,
                divisions_router,
                workers_router,
                terms_router,
                statistics_router,
                changes_router,
                contracts_router,
                recruitment_router,
                exits_router,
                management_router,
                supervision_router,
                care_router,
                imports_router,
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
    app.state.pii = PiiCipher.from_settings(settings)
    app.state.id_check_limit = Limit(settings.id_check_limit, settings.id_check_window_seconds)
    return app
