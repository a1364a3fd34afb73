"""Reads of the aggregate counts. A region's counts are sums over few rows (its months
and the days of one month), never a scan of the workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select

from cwp_common.repository import Repository
from cwp_registry.communities.models import Community
from cwp_registry.statistics import rules
from cwp_registry.statistics.models import WorkforceCount as WC

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def _as_of(as_of: date) -> Any:
    """Stock rows recorded up to the end of `as_of`: whole months before it, then days."""
    month = rules.month_of(as_of)
    return or_(
        and_(WC.grain == "m", WC.period < month),
        and_(WC.grain == "d", WC.period.between(month * 100 + 1, rules.day_of(as_of))),
    )


class CountRepository(Repository[WC]):
    model = WC
    key = WC.region
    label = "Region"

    def scope(self, stmt: Select[Any]) -> Select[Any]:
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

    async def stock(self, where: rules.Stored, as_of: date) -> Sequence[tuple[str, str, int]]:
        stmt = select(WC.dim, WC.value, func.sum(WC.delta)).where(_as_of(as_of))
        stmt = self._within(stmt, where).group_by(WC.dim, WC.value)
        return [(d, v, int(n)) for d, v, n in (await self.session.execute(stmt)).all()]

    async def children(
        self, where: rules.Stored, as_of: date, dims: tuple[str, ...]
    ) -> Sequence[tuple[str, str, int]]:
        stmt = select(WC.region, WC.dim, func.sum(WC.delta)).where(_as_of(as_of), WC.dim.in_(dims))
        stmt = self._within(stmt, where).group_by(WC.region, WC.dim)
        return [(r, d, int(n)) for r, d, n in (await self.session.execute(stmt)).all()]

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
