"""Regrade jobs in the background of the service process (a province takes longer than
an HTTP request should), and the daily regrade that queues one per China business day,
so yearly step dates and future-dated ladder versions take effect on their day without
anyone calling POST /regrade.

Two replicas that start in the same instant may both queue the daily job; that costs a
second pass and changes nothing, since a regrade writes only the grades that change.
Jobs act for the platform (PLATFORM): the prefix was checked against the requester's
region when the job was queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_career.grading.models import RegradeJob
from cwp_career.grading.repository import JobRepository
from cwp_career.grading.service import RegradeStats, new_job, regrade_region
from cwp_common.daily import DailyJob
from cwp_common.db import transaction, utcnow
from cwp_common.redact import describe
from cwp_common.repository import PLATFORM

log = logging.getLogger("cwp.career.jobs")
DAILY = "daily"


class JobRunner:
    """Runs queued regrade jobs; progress is written with every batch."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], batch_size: int) -> None:
        # Each batch stages its events with queue_rows, which wakes the relay after the
        # batch's commit.
        self._sessions = sessions
        self._batch = batch_size
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, job_id: uuid.UUID) -> None:
        task = asyncio.create_task(self._run(job_id), name=f"regrade-{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, job_id: uuid.UUID) -> None:
        async with transaction(self._sessions) as session:
            job = await JobRepository(session, PLATFORM).get(job_id)
            if job is None:
                return
            job.status, job.started_at = "running", utcnow()
            prefix, as_of = job.jurisdiction, job.as_of

        async def progress(session: AsyncSession, stats: RegradeStats) -> None:
            job = await JobRepository(session, PLATFORM).get(job_id)
            if job is not None:
                job.examined, job.changed = stats.examined, stats.graded

        try:
            stats = await regrade_region(
                self._sessions, prefix, as_of, batch_size=self._batch, on_batch=progress
            )
        except Exception as exc:
            # The exception's own text may quote row values (personal data): keep its type.
            log.error("regrade job %s failed: %s", job_id, describe(exc))
            await self._finish(job_id, "failed", None, describe(exc))
            return
        await self._finish(job_id, "done", stats, None)
        log.info(
            "regrade job %s: %d examined, %d grades changed", job_id, stats.examined, stats.graded
        )

    async def _finish(
        self, job_id: uuid.UUID, status: str, stats: RegradeStats | None, error: str | None
    ) -> None:
        async with transaction(self._sessions) as session:
            job = await JobRepository(session, PLATFORM).get(job_id)
            if job is None:
                return
            job.status, job.finished_at, job.error = status, utcnow(), error
            if stats is not None:
                job.examined, job.changed = stats.examined, stats.graded


async def queue_daily(sessions: async_sessionmaker[AsyncSession], day: date) -> RegradeJob | None:
    """Queue the national regrade of `day`; None when one is already recorded for it."""
    async with sessions() as session, session.begin():
        jobs = JobRepository(session, PLATFORM)
        if await jobs.queued_for(DAILY, day):
            return None
        job = new_job(PLATFORM, "", day, DAILY, None)
        jobs.add(job)
    return job


class DailyRegrade(DailyJob):
    name = "career-daily-regrade"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        runner: JobRunner,
        check_every: float = 60.0,
    ) -> None:
        super().__init__(check_every)
        self._sessions = sessions
        self._runner = runner

    async def run_for(self, day: date) -> None:
        job = await queue_daily(self._sessions, day)
        if job is not None:
            log.info("queued the daily regrade for %s", day)
            self._runner.submit(job.id)
