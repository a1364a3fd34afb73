"""Grading reads: the worker columns grading needs, for one worker or a region in keyset
batches, the grade history, and regrade jobs. Writes are in `writer.py`."""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, select, tuple_

from cwp_career.db import dialect_of
from cwp_career.grading.fastpath import fetch_tuples
from cwp_career.grading.models import GradeHistory, RegradeJob
from cwp_career.grading.rules import Current, Facts, parse_years
from cwp_career.workers.models import Worker
from cwp_career.workers.repository import WorkerRepository
from cwp_career.workers.rules import post_positions
from cwp_career.workers.scope import WorkerScoped
from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause

W = cast(Table, Worker.__table__)
GRADING_COLUMNS = (
    W.c.worker_id,
    W.c.community_code,
    W.c.position,
    W.c.education,
    W.c.qualification,
    W.c.skill_level,
    W.c.service_start_date,
    W.c.uncounted_years,
    W.c.degree,
    W.c.concurrent_posts,
    W.c.retirement_date,
    W.c.grade_floor,
    W.c.counted_from,
    W.c.status,
    W.c.category,
    W.c.grade,
    W.c.pay_coefficient,
    W.c.ladder_id,
    W.c.grade_effective_date,
    W.c.next_step_date,
    W.c.version,
)
GradingRow = namedtuple("GradingRow", [c.name for c in GRADING_COLUMNS])  # type: ignore[misc]
Keyset = tuple[str, uuid.UUID]  # keyset of a batch read: (community_code, worker_id)


def grading_row(values: dict[str, Any]) -> Any:
    """A worker's column values as the grading reads return them (absent ones None)."""
    fields: tuple[str, ...] = GradingRow._fields
    return GradingRow._make(values.get(name) for name in fields)


# Rule inputs read from a grading row (the rules' own dataclasses; not response schemas).
def facts_of(row: Any) -> Facts:
    start, reset = row.service_start_date, row.counted_from
    return Facts(
        row.position,
        row.education,
        row.qualification,
        row.skill_level,
        reset if reset is not None and reset > start else start,
        parse_years(row.uncounted_years),
        row.degree,
        post_positions(row.concurrent_posts),
        row.retirement_date,
        row.grade_floor,
    )


def current_of(row: Any) -> Current:
    return Current(
        row.category,
        row.grade,
        row.pay_coefficient,
        row.ladder_id,
        row.grade_effective_date,
        row.next_step_date,
    )


def keyset_of(row: Any) -> Keyset:
    return row.community_code, row.worker_id


class GradingRepository(WorkerRepository):
    """Workers as grading sees them (the same projection and scope as WorkerRepository):
    plain tuples of GRADING_COLUMNS, no ORM objects."""

    def _columns(self) -> AnySelect:
        return self.scope(select(*GRADING_COLUMNS))

    async def batch(self, prefix: str, after: Keyset | None, limit: int) -> list[Any]:
        """The next `limit` workers (not exited) under a division-code prefix, in the order
        of the (community_code, worker_id) index, which serves the region range and the
        keyset alike. Nothing is locked: the writes check each row's version instead."""
        stmt = (
            self._columns()
            .where(region_clause(W.c.community_code, prefix), W.c.status != "exited")
            .order_by(W.c.community_code, W.c.worker_id)
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(tuple_(W.c.community_code, W.c.worker_id) > tuple_(*after))
        return await fetch_tuples(self.session, stmt, GradingRow)

    async def one(self, worker_id: uuid.UUID) -> Any | None:
        """One worker, locked on PostgreSQL until the caller's transaction ends."""
        stmt = self._columns().where(W.c.worker_id == worker_id)
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return GradingRow._make(row) if row is not None else None


class HistoryRepository(WorkerScoped[GradeHistory]):
    model = GradeHistory
    key = GradeHistory.id
    worker_column = GradeHistory.worker_id
    label = "Grade history"

    async def of_worker(self, worker_id: uuid.UUID) -> Sequence[GradeHistory]:
        stmt = (
            self.scoped()
            .where(GradeHistory.worker_id == worker_id)
            .order_by(GradeHistory.effective_date, GradeHistory.created_at, GradeHistory.id)
        )
        return (await self.session.scalars(stmt)).all()


class JobRepository(Repository[RegradeJob]):
    """A job is visible when its whole prefix lies inside the caller's region."""

    model = RegradeJob
    key = RegradeJob.id
    label = "Regrade job"

    def scope(self, stmt: AnySelect) -> AnySelect:
        return stmt.where(
            RegradeJob.jurisdiction.startswith(self.principal.region, autoescape=True)
        )

    async def queued_for(self, reason: str, day: date) -> bool:
        stmt = self.scope(select(RegradeJob.id)).where(
            RegradeJob.reason == reason, RegradeJob.as_of == day
        )
        return await self.session.scalar(stmt) is not None
