"""The daily regrade: yearly step dates and future-dated ladder versions take effect on
their day without anyone calling POST /regrade.

Once per China business day the process queues a national regrade as of that day, unless
one is already recorded for the day. Two replicas that start in the same instant may both
queue one; that costs a second pass and changes nothing, since a regrade writes only the
grades that change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_career import dates
from cwp_career.grading.models import RegradeJob
from cwp_career.grading.service import JobRunner, new_job
from cwp_common.auth import Principal, Role

log = logging.getLogger("cwp.career.daily")
SCHEDULER = Principal(
    subject="career-daily-regrade", kind="system", roles=frozenset({Role.ADMIN}), region=""
)
REASON = "daily"


async def queue_daily(sessions: async_sessionmaker[AsyncSession], day: date) -> RegradeJob | None:
    """Queue today's national regrade; None when one is already recorded for `day`."""
    async with sessions() as session, session.begin():
        existing = await session.scalar(
            select(RegradeJob.id).where(RegradeJob.reason == REASON, RegradeJob.as_of == day)
        )
        if existing is not None:
            return None
        job = new_job(SCHEDULER, "", day, REASON, None)
        session.add(job)
    return job


class DailyRegrade:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        runner: JobRunner,
        check_every: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self._runner = runner
        self._check_every = check_every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="career-daily-regrade")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        done_for: date | None = None
        while True:
            today = dates.today()
            if today != done_for:
                try:
                    job = await queue_daily(self._sessions, today)
                    if job is not None:
                        log.info("queued the daily regrade for %s", today)
                        self._runner.submit(job.id)
                    done_for = today
                except Exception as exc:  # the database may be briefly away: retry later
                    log.warning("could not queue the daily regrade: %s", exc)
            await asyncio.sleep(self._check_every)
