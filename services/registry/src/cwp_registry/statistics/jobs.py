"""The monthly fold: once a month has closed, the day rows of the levels above the
community are deleted. Their month rows hold the same changes, and a past date inside a
closed month reads the community level's day rows (which are kept), so every as_of still
reads the figures exactly as they stood."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.daily import DailyJob
from cwp_common.db import transaction
from cwp_registry.statistics import rules
from cwp_registry.statistics.models import WorkforceCount as WC

log = logging.getLogger("cwp.registry.statistics")


async def fold_closed_months(sessions: async_sessionmaker[AsyncSession], today: date) -> int:
    """Deletes the upper levels' day rows of every month before today's; returns how many."""
    first = rules.month_of(today) * 100 + 1
    async with transaction(sessions) as session:
        result = await session.execute(
            delete(WC).where(WC.grain == "d", WC.level < rules.FINEST, WC.period < first)
        )
    return int(getattr(result, "rowcount", 0) or 0)


class CountFold(DailyJob):
    """Runs fold_closed_months once per China business day (and at start); after the
    first day of a month it finds nothing to do."""

    name = "registry-count-fold"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], check_every: float = 300.0):
        super().__init__(check_every)
        self._sessions = sessions

    async def run_for(self, day: date) -> None:
        folded = await fold_closed_months(self._sessions, day)
        log.info("count fold for %s: %d day rows of closed months removed", day, folded)
