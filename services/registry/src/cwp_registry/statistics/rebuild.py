"""Set-based counting of workers and communities straight from their tables, for a
rebuild of the counts (`rebuild`) and for bulk loads that record many workers at once on
one day (`count_workers`, `count_communities`; the statistics benchmark fills its
province through them).

The SQL below is the formula of `rules.worker_profile`, `rules.community_profile` and
`rules.stock_changes`, written as GROUP BYs: a test registers workers through the API
(which records each change with those rules) and checks that `rebuild` writes the very
same rows. A rebuild knows each record only as it is now, so it records every worker and
community on one day; the history of earlier days is what the registry recorded as it
went, and a rebuild replaces it (the flows by hire and exit month stay exact; moves
between communities are not in the tables as flows and are left out, as migration 0005
did)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_registry.statistics import rules
from cwp_registry.statistics.models import WorkforceCount

# dim -> SQL value over workers w, worker_grades g, worker_qualifications q
WORKER_VALUES = {
    "headcount": "'all'",
    "position": "w.position",
    "employment_type": "w.employment_type",
    "status": "w.status",
    "sex": "w.sex",
    "education": "w.education",
    "political_status": "w.political_status",
    "birth_year": "substr(CAST(w.birth_date AS VARCHAR), 1, 4)",
    "qualification": "COALESCE(q.level, 'none')",
    "grade": "COALESCE(g.grade, 'ungraded')",
}
COMMUNITY_AMOUNTS = {"communities": "1", "residents": "c.population", "households": "c.households"}
_UPSERT = (
    " ON CONFLICT (level, region, grain, period, dim, value)"
    " DO UPDATE SET delta = workforce_counts.delta + excluded.delta"
)
_INSERT = "INSERT INTO workforce_counts (level, region, grain, period, dim, value, delta) "


def _one_of(values: Mapping[str, str]) -> tuple[str, str]:
    """A derived table of the dimension names and a CASE picking each one's value."""
    names = " UNION ALL ".join(f"SELECT '{dim}' AS dim" for dim in values)
    case = " ".join(f"WHEN '{dim}' THEN {sql}" for dim, sql in values.items())
    return f"({names})", f"CASE d.dim {case} END"


def _levels(levels: tuple[int, ...]) -> str:
    return "(" + " UNION ALL ".join(f"SELECT {lv} AS lv" for lv in levels) + ")"


async def _record(
    session: AsyncSession, base: str, params: dict[str, Any], day: date, today: date, sign: int
) -> None:
    """Adds `sign` × the counts of `base` (rows c, dim, value, n: per community) to the
    day row at the community level and, above it, to the month row and, while the month
    is open, the day row: one statement, so `base` is counted once."""
    d, m = rules.day_of(day), rules.month_of(day)
    upper = [lv for lv in rules.LEVELS if lv != rules.FINEST]
    targets = [("d", d, rules.FINEST), *(("m", m, lv) for lv in upper)]
    if m == rules.month_of(today):
        targets += [("d", d, lv) for lv in upper]
    into = " UNION ALL ".join(f"SELECT '{g}' AS g, {p} AS p, {lv} AS lv" for g, p, lv in targets)
    await session.execute(
        text(
            f"WITH base AS ({base}) {_INSERT}"  # noqa: S608 (fixed names and numbers)
            f"SELECT t.lv, substr(b.c, 1, t.lv), t.g, t.p, b.dim, b.value, sum(b.n) * {sign} "
            f"FROM base b CROSS JOIN ({into}) t WHERE 1 = 1 "
            f"GROUP BY t.lv, substr(b.c, 1, t.lv), t.g, t.p, b.dim, b.value{_UPSERT}"
        ),
        params,
    )


async def count_workers(
    session: AsyncSession,
    day: date,
    today: date,
    where: str = "1 = 1",
    params: Mapping[str, Any] | None = None,
    sign: int = 1,
) -> None:
    """Records the not-exited workers matching `where` (SQL over `w`, with bound
    `params`) as they are now, on `day`: +1 each (`sign` -1 takes them out again)."""
    dims, value = _one_of(WORKER_VALUES)
    base = (
        f"SELECT w.community_code AS c, d.dim AS dim, {value} AS value, count(*) AS n "  # noqa: S608
        "FROM workers w LEFT JOIN worker_grades g ON g.worker_id = w.id "
        "LEFT JOIN worker_qualifications q ON q.worker_id = w.id "
        f"CROSS JOIN {dims} d WHERE w.status != 'exited' AND ({where}) "
        f"GROUP BY w.community_code, d.dim, {value}"
    )
    await _record(session, base, dict(params or {}), day, today, sign)


async def count_communities(
    session: AsyncSession,
    day: date,
    today: date,
    where: str = "1 = 1",
    params: Mapping[str, Any] | None = None,
) -> None:
    """Records the current communities matching `where` (SQL over `c`) on `day`."""
    dims, amount = _one_of(COMMUNITY_AMOUNTS)
    base = (
        f"SELECT c.code AS c, d.dim AS dim, 'all' AS value, sum({amount}) AS n "  # noqa: S608
        f"FROM communities c CROSS JOIN {dims} d WHERE c.valid_to IS NULL AND ({where}) "
        "GROUP BY c.code, d.dim"
    )
    await _record(session, base, dict(params or {}), day, today, 1)


async def count_flows(session: AsyncSession, where: str = "1 = 1") -> None:
    """Joiners by hire month and leavers by exit month, in every region of their
    community (`rules.flow`)."""
    for kind, column in (("joined", "hire_date"), ("left", "exit_date")):
        month = f"CAST(substr(replace(CAST(w.{column} AS VARCHAR), '-', ''), 1, 6) AS INTEGER)"
        await session.execute(
            text(
                f"{_INSERT}SELECT l.lv, substr(w.community_code, 1, l.lv), 'f', {month}, "  # noqa: S608
                f"'flow', '{kind}', count(*) FROM workers w CROSS JOIN {_levels(rules.LEVELS)} l "
                f"WHERE w.{column} IS NOT NULL AND ({where}) "
                f"GROUP BY l.lv, substr(w.community_code, 1, l.lv), {month}{_UPSERT}"
            )
        )


async def rebuild(session: AsyncSession, today: date) -> None:
    """Replaces every count by the workers and communities as held now, recorded today."""
    await session.execute(delete(WorkforceCount))
    await count_communities(session, today, today)
    await count_workers(session, today, today)
    await count_flows(session)
