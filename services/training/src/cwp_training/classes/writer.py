"""Set-based writes of the minutes totals compliance reads instead of the ledger: per
worker and calendar year (`YearMinutes`) and per personal obligation
(`Obligation.minutes_done`). Every write to the hours ledger goes through `credit`, in
the ledger write's transaction; an obligation is made with `minutes_in` of its window;
`rebuild` recomputes both from the ledger with the same formulas (the migration that
introduced them, and the benchmark's bulk fill, use it)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, extract, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_training.classes.models import Attendance, YearMinutes
from cwp_training.compliance.models import Obligation

BATCH = 5000


def _upsert(dialect: str) -> Any:
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = ins(YearMinutes)
    return stmt.on_conflict_do_update(
        index_elements=["worker_id", "year"],
        set_={"minutes": YearMinutes.minutes + stmt.excluded.minutes},
    )


def year_sums(entries: Iterable[tuple[uuid.UUID, date, int]]) -> dict[tuple[uuid.UUID, int], int]:
    """Minutes per (worker, calendar year) of ledger entries (worker_id, day, minutes);
    negative minutes take a deleted or corrected entry back."""
    sums: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
    for worker_id, day, minutes in entries:
        sums[(worker_id, day.year)] += minutes
    return {k: v for k, v in sums.items() if v}


async def credit(session: AsyncSession, entries: Iterable[tuple[uuid.UUID, date, int]]) -> None:
    """Add ledger entries to the totals: one upsert per batch, rows in key order so
    concurrent writers lock them in the same order and cannot deadlock each other;
    then the obligations whose window holds each (worker, day), in the same order."""
    entries = list(entries)
    rows = [
        {"worker_id": w, "year": y, "minutes": m}
        for (w, y), m in sorted(year_sums(entries).items())
    ]
    if not rows:
        return
    stmt = _upsert((await session.connection()).dialect.name)
    for start in range(0, len(rows), BATCH):
        await session.execute(stmt, rows[start : start + BATCH])
    days: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    for worker_id, day, minutes in entries:
        days[(worker_id, day)] += minutes
    table = cast(Table, Obligation.__table__)
    add = (
        update(table)
        .where(
            table.c.worker_id == bindparam("w"),
            table.c.period_start <= bindparam("d"),
            table.c.period_end >= bindparam("d"),
        )
        .values(minutes_done=table.c.minutes_done + bindparam("m"))
    )
    params = [{"w": w, "d": d, "m": m} for (w, d), m in sorted(days.items()) if m]
    # Core executemany (one statement, many parameter sets); few workers hold an
    # obligation, and the index on (worker_id, period_start) finds theirs.
    conn = await session.connection()
    for start in range(0, len(params), BATCH):
        await conn.execute(add, params[start : start + BATCH])


async def minutes_in(session: AsyncSession, worker_id: uuid.UUID, first: date, last: date) -> int:
    """The worker's ledger minutes dated in [first, last]: a new obligation's start."""
    stmt = select(func.coalesce(func.sum(Attendance.minutes), 0)).where(
        Attendance.worker_id == worker_id, Attendance.day >= first, Attendance.day <= last
    )
    return int(await session.scalar(stmt) or 0)


def rebuild_statement() -> Any:
    """INSERT INTO attendance_years: the ledger summed per worker and calendar year."""
    year = extract("year", Attendance.day)
    return insert(YearMinutes).from_select(
        ["worker_id", "year", "minutes"],
        select(Attendance.worker_id, year, func.sum(Attendance.minutes)).group_by(
            Attendance.worker_id, year
        ),
    )


def obligations_statement() -> Any:
    """UPDATE obligations: each one's minutes, the ledger summed over its window."""
    done = (
        select(func.coalesce(func.sum(Attendance.minutes), 0))
        .where(
            and_(
                Attendance.worker_id == Obligation.worker_id,
                Attendance.day >= Obligation.period_start,
                Attendance.day <= Obligation.period_end,
            )
        )
        .scalar_subquery()
    )
    return update(cast(Table, Obligation.__table__)).values(minutes_done=done)


async def rebuild(session: AsyncSession) -> None:
    """Recompute every total from the ledger (set-based), inside the caller's
    transaction."""
    await session.execute(delete(YearMinutes))
    await session.execute(rebuild_statement())
    await session.execute(obligations_statement())


async def add_entries(session: AsyncSession, entries: list[Attendance]) -> None:
    """Write ledger rows and add them to the totals, in the caller's transaction."""
    session.add_all(entries)
    await credit(session, [(e.worker_id, e.day, e.minutes) for e in entries])
