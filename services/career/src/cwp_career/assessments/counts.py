"""The assessment summary's counts (AssessmentCount), changed in the transaction of each
confirmation and each move of a worker with confirmed results, so that a summary reads
a few rows per community instead of counting assessments per request."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments.models import Assessment, AssessmentCount
from cwp_common.clock import business_date
from cwp_common.db import add_counts
from cwp_common.scope import region_clause

KEY = ("community_code", "year", "result", "day")
Change = tuple[str, int, str, date]  # a KEY


async def _add(session: AsyncSession, changes: Counter[Change]) -> None:
    rows = [dict(zip(KEY, k, strict=True), delta=n) for k, n in changes.items() if n]
    await add_counts(session, AssessmentCount, KEY, "delta", rows)


async def confirmed(session: AsyncSession, confirmations: Iterable[tuple[str, Assessment]]) -> None:
    """Count newly confirmed results, each given with the community its worker is in, from
    the day (China time) of confirmation."""
    changes: Counter[Change] = Counter()
    for community_code, a in confirmations:
        assert a.confirmed_at is not None
        a.counted_in = community_code
        changes[(community_code, a.year, a.result, business_date(a.confirmed_at))] += 1
    await _add(session, changes)


async def moved(
    session: AsyncSession, worker_id: uuid.UUID, from_code: str, to_code: str, on: date
) -> None:
    """A worker's confirmed results counted in `from_code` go to `to_code` on `on`, or on
    the day of confirmation where that is later (a back-dated move must not take a result
    away from a day before it was counted). Results counted elsewhere stay: a replayed
    move (`cwp rebuild`) finds them already gone, and moves nothing twice."""
    if from_code == to_code:
        return
    rows = (
        await session.scalars(
            select(Assessment).where(
                Assessment.worker_id == worker_id,
                Assessment.status == "confirmed",
                Assessment.counted_in == from_code,
            )
        )
    ).all()
    changes: Counter[Change] = Counter()
    for a in rows:
        assert a.confirmed_at is not None  # every confirmed result has its moment
        day = max(on, business_date(a.confirmed_at))
        changes[(from_code, a.year, a.result, day)] -= 1
        changes[(to_code, a.year, a.result, day)] += 1
        a.counted_in = to_code
    await _add(session, changes)


async def by_year(
    session: AsyncSession, scope: str, region: str | None, as_of: date
) -> Sequence[tuple[int, str, int]]:
    """(year, result, count) under the caller's scope and `region`, as they stood at the
    end of `as_of`."""
    total = func.sum(AssessmentCount.delta)
    stmt = (
        select(AssessmentCount.year, AssessmentCount.result, total)
        .where(AssessmentCount.day <= as_of)
        .group_by(AssessmentCount.year, AssessmentCount.result)
        .having(total != 0)
        .order_by(AssessmentCount.year, AssessmentCount.result)
    )
    code = AssessmentCount.community_code
    stmt = stmt.where(region_clause(code, scope), region_clause(code, region or ""))
    return [(y, r, int(n)) for y, r, n in (await session.execute(stmt)).all()]
