"""The payroll process: policy, tax, runs, payslips and benchmark routers on the shared
service frame; consuming registry, career and training events into its own worker
projection; and taking payroll chunks from the JetStream work queue."""

from __future__ import annotations

from fastapi import FastAPI

from cwp_common.events.consumer import Subscription
from cwp_common.service import Runtime, ServiceSpec, create_service_app
from cwp_common.settings import PlatformSettings
from cwp_payroll.benchmarks.router import router as benchmarks_router
from cwp_payroll.bonuses.router import router as bonuses_router
from cwp_payroll.config import Settings
from cwp_payroll.db import EVENTS
from cwp_payroll.payslips.router import router as payslips_router
from cwp_payroll.policy import service as policy_service
from cwp_payroll.policy.router import router as policy_router
from cwp_payroll.runs.jobs import ChunkWorker
from cwp_payroll.runs.metrics import RunMetrics
from cwp_payroll.runs.router import router as runs_router
from cwp_payroll.tax.router import router as tax_router
from cwp_payroll.workers.handlers import on_grade_event, on_training_event, on_worker_event
from cwp_payroll.workers.router import router as workers_router

SUBSCRIPTIONS = (
    Subscription("payroll-workers", "registry.worker.>", on_worker_event),
    Subscription("payroll-grades", "career.grade.>", on_grade_event),
    Subscription("payroll-training", "training.qualification.>", on_training_event),
)


def create_app(
    settings: Settings | None = None,
    platform: PlatformSettings | None = None,
    create_schema: bool = False,
) -> FastAPI:
    settings = settings or Settings()
    worker: ChunkWorker | None = None

    async def starting(rt: Runtime) -> None:
        nonlocal worker
        async with rt.sessions() as session:
            await policy_service.ship_reference_wages(session)
        if settings.demo_region:
            async with rt.sessions() as session:
                await policy_service.ship_demo_policy(session, settings.demo_region)
        if settings.work_chunks and rt.link is not None:
            worker = ChunkWorker(
                rt.link,
                rt.sessions,
                metrics,
                demo_region=settings.demo_region,
                ack_wait=settings.chunk_ack_wait_seconds,
                concurrency=settings.chunk_concurrency,
                max_deliveries=settings.chunk_max_deliveries,
                retry_delay=settings.chunk_retry_seconds,
            )
            worker.start()

    async def stopping(rt: Runtime) -> None:
        if worker is not None:
            await worker.stop()

    app = create_service_app(
        ServiceSpec(
            name="payroll",
            title="CWP payroll",
            database_url=settings.database_url,
            tables=EVENTS,
            routers=[
                policy_router,
                tax_router,
                runs_router,
                payslips_router,
                workers_router,
                benchmarks_router,
                bonuses_router,
            ],
            subscriptions=SUBSCRIPTIONS if settings.consume_events else (),
            create_schema=create_schema,
            on_starting=starting,
            on_stopping=stopping,
            settings=settings,
        ),
        platform,
    )
    metrics = RunMetrics(app.state.metrics.registry)
    app.state.run_metrics = metrics
    app.state.settings = settings
    return app
