"""Set-based writes of the per-worker-per-year minutes (`YearMinutes`). Every write to
the hours ledger goes through `credit`, in the ledger write's transaction; `rebuild`
recomputes the totals from the ledger with the same formula (the migration that
introduced them, and the benchmark's bulk fill, use it)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, extract, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_training.classes.models import Attendance, YearMinutes

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
    concurrent writers lock them in the same order and cannot deadlock each other."""
    rows = [
        {"worker_id": w, "year": y, "minutes": m}
        for (w, y), m in sorted(year_sums(entries).items())
    ]
    if not rows:
        return
    stmt = _upsert((await session.connection()).dialect.name)
    for start in range(0, len(rows), BATCH):
        await session.execute(stmt, rows[start : start + BATCH])


def rebuild_statement() -> Any:
    """INSERT INTO attendance_years: the ledger summed per worker and calendar year."""
    year = extract("year", Attendance.day)
    return insert(YearMinutes).from_select(
        ["worker_id", "year", "minutes"],
        select(Attendance.worker_id, year, func.sum(Attendance.minutes)).group_by(
            Attendance.worker_id, year
        ),
    )


async def rebuild(session: AsyncSession) -> None:
    """Recompute every total from the ledger (set-based), inside the caller's
    transaction."""
    await session.execute(delete(YearMinutes))
    await session.execute(rebuild_statement())


async def add_entries(session: AsyncSession, entries: list[Attendance]) -> None:
    """Write ledger rows and add them to the totals, in the caller's transaction."""
    session.add_all(entries)
    await credit(session, [(e.worker_id, e.day, e.minutes) for e in entries])
