"""Reads of the aggregate counts. A region's counts are sums over few rows (its months
and the days of one month, or a community's days), never a scan of the workers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_registry.communities.models import Community
from cwp_registry.statistics import rules
from cwp_registry.statistics.models import WorkforceCount as WC

S = TypeVar("S", bound=AnySelect)


def _stock_parts(where: rules.Stored, as_of: date, today: date) -> list[tuple[rules.Stored, Any]]:
    """Where the stock as it stood at the end of `as_of` is summed: (stored range, rows).

    At the community level, its day rows up to `as_of`. Above it, the month rows before
    as_of's month, then that month's days up to as_of: from the level's own day rows while
    the month is open (today's), from the community level's day rows once it has closed
    (the fold removes the upper levels' day rows of closed months)."""
    month, day = rules.month_of(as_of), rules.day_of(as_of)
    if where.level == rules.FINEST:
        return [(where, and_(WC.grain == "d", WC.period <= day))]
    days = and_(WC.grain == "d", WC.period.between(month * 100 + 1, day))
    months = and_(WC.grain == "m", WC.period < month)
    if month == rules.month_of(today):
        return [(where, or_(months, days))]
    finest = rules.Stored(
        rules.FINEST, where.low.ljust(rules.FINEST, "0"), where.high.ljust(rules.FINEST, "9")
    )
    return [(where, months), (finest, days)]


class CountRepository(Repository[WC]):
    model = WC
    key = WC.region
    label = "Region"

    def scope(self, stmt: AnySelect) -> AnySelect:
        return self._in_scope(stmt)

    def _in_scope(self, stmt: S) -> S:
        """Only regions inside the caller's: a stored region at least as long as the
        caller's, beginning with it."""
        mine = self.principal.region
        if not mine:
            return stmt
        return stmt.where(WC.region >= mine, WC.region <= mine.ljust(12, "9"))

    def _within(self, stmt: S, where: rules.Stored) -> S:
        return self._in_scope(
            stmt.where(WC.level == where.level, WC.region.between(where.low, where.high))
        )

    async def stock(
        self, where: rules.Stored, as_of: date, today: date
    ) -> Sequence[tuple[str, str, int]]:
        total: Counter[tuple[str, str]] = Counter()
        for stored, rows in _stock_parts(where, as_of, today):
            stmt = select(WC.dim, WC.value, func.sum(WC.delta)).where(rows)
            stmt = self._within(stmt, stored).group_by(WC.dim, WC.value)
            for d, v, n in (await self.session.execute(stmt)).all():
                total[(d, v)] += int(n)
        return [(d, v, n) for (d, v), n in total.items()]

    async def children(
        self, where: rules.Stored, as_of: date, today: date, dims: tuple[str, ...]
    ) -> Sequence[tuple[str, str, int]]:
        """Sums per region of `where`'s level (the finest level's rows grouped by their
        prefix of that length)."""
        total: Counter[tuple[str, str]] = Counter()
        for stored, rows in _stock_parts(where, as_of, today):
            region = (
                WC.region if stored.level == where.level else func.substr(WC.region, 1, where.level)
            )
            stmt = select(region, WC.dim, func.sum(WC.delta)).where(rows, WC.dim.in_(dims))
            stmt = self._within(stmt, stored).group_by(region, WC.dim)
            for r, d, n in (await self.session.execute(stmt)).all():
                total[(r, d)] += int(n)
        return [(r, d, n) for (r, d), n in total.items()]

    async def flows(
        self, where: rules.Stored, first_month: int, last_month: int
    ) -> Sequence[tuple[int, str, int]]:
        stmt = select(WC.period, WC.value, func.sum(WC.delta)).where(
            WC.grain == "f", WC.period.between(first_month, last_month)
        )
        stmt = self._within(stmt, where).group_by(WC.period, WC.value)
        return [(p, v, int(n)) for p, v, n in (await self.session.execute(stmt)).all()]

    async def community_names(self, low: str, high: str) -> dict[str, str]:
        """Names of the communities (current holders of their codes) in a range that
        lies inside the caller's region (checked by the caller of this query)."""
        stmt = select(Community.code, Community.name).where(Community.code.between(low, high))
        return {code: name for code, name in (await self.session.execute(stmt)).all()}
