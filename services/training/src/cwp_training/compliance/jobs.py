"""The daily shortfall job: once per China business day, every worker's period that
ends within `notice_days` with hours still due is announced once, as
training.requirement.shortfall.v1 (a street office reminds the worker; a province's
system may plan a class). Set-based like the compliance report: one statement finds
the periods, in batches, each batch in one transaction with its events."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.daily import DailyJob
from cwp_common.db import new_id, transaction
from cwp_common.events.contracts import RequirementShortfall
from cwp_common.events.outbox import queue_event
from cwp_common.repository import PLATFORM
from cwp_training.compliance import rules
from cwp_training.compliance.models import ShortfallNotice
from cwp_training.compliance.repository import ComplianceRepository
from cwp_training.compliance.service import rule_windows

log = logging.getLogger("cwp.training.shortfall")
BATCH = 5000


async def announce_shortfalls(
    sessions: async_sessionmaker[AsyncSession], today: date, notice_days: int
) -> int:
    """Announce the unmet periods ending within `notice_days` not announced before;
    returns how many were announced."""
    announced = 0
    while True:
        async with transaction(sessions) as session:
            windows = await rule_windows(session, PLATFORM, today, "")
            d = ComplianceRepository(session, PLATFORM).periods(windows, today)
            noticed = exists().where(
                and_(
                    ShortfallNotice.worker_id == d.c.worker_id,
                    ShortfallNotice.kind == d.c.kind,
                    ShortfallNotice.period_start == d.c.start,
                )
            )
            stmt = (
                select(d)
                .where(
                    d.c.end <= today + timedelta(days=notice_days),
                    d.c.done < d.c.hours * rules.MINUTES_PER_HOUR,
                    ~noticed,
                )
                .limit(BATCH)
            )
            rows = (await session.execute(stmt)).all()
            for r in rows:
                due = r.hours * rules.MINUTES_PER_HOUR
                session.add(
                    ShortfallNotice(
                        id=new_id(),
                        worker_id=r.worker_id,
                        kind=r.kind,
                        period_start=r.start,
                        notified_on=today,
                    )
                )
                await queue_event(
                    session,
                    RequirementShortfall(
                        worker_id=str(r.worker_id),
                        community_code=r.community_code,
                        kind=r.kind,
                        period_start=r.start,
                        period_end=r.end,
                        hours_due=rules.hours(due),
                        hours_done=rules.hours(r.done),
                        shortfall=rules.hours(due - r.done),
                    ),
                    str(r.worker_id),
                )
        announced += len(rows)
        if len(rows) < BATCH:
            return announced


class DailyShortfalls(DailyJob):
    name = "training-daily-shortfalls"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        notice_days: int,
        check_every: float = 60.0,
    ) -> None:
        super().__init__(check_every)
        self._sessions = sessions
        self._notice_days = notice_days

    async def run_for(self, day: date) -> None:
        n = await announce_shortfalls(self._sessions, day, self._notice_days)
        log.info("announced %d training shortfalls for %s", n, day)
