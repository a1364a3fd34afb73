"""Payslip reads. A worker's payslips follow the worker's current community (as every
per-worker record does); a run's export follows the run, which the caller must see.
`worker_column` lets a worker's own token see only that worker's payslips."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from sqlalchemy import select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.pagination import decode_text_cursor, encode_cursor
from cwp_common.repository import Repository
from cwp_common.scope import within_region
from cwp_payroll.runs.models import Payslip
from cwp_payroll.workers.models import PayWorker

S = TypeVar("S", bound=AnySelect)


class PayslipRepository(Repository[Payslip]):
    model = Payslip
    key = Payslip.worker_id
    worker_column: ClassVar[InstrumentedAttribute[Any] | None] = Payslip.worker_id
    label = "Payslip"

    def scope(self, stmt: S) -> S:
        if not self.principal.region:
            return stmt
        members = within_region(
            select(PayWorker.worker_id), PayWorker.community_code, self.principal
        )
        return stmt.where(Payslip.worker_id.in_(members))

    async def of_worker(
        self, worker_id: uuid.UUID, cursor: str | None, limit: int
    ) -> tuple[Sequence[Payslip], str | None]:
        """Newest first; the cursor is the last period handed out."""
        stmt = self.scoped().where(Payslip.worker_id == worker_id)
        after = decode_text_cursor(cursor)
        if after is not None:
            if not after.isdigit():
                from cwp_common.problems import InvalidInput

                raise InvalidInput("cursor", "The cursor is not valid / 游标无效")
            stmt = stmt.where(Payslip.period < int(after))
        rows = (
            await self.session.scalars(stmt.order_by(Payslip.period.desc()).limit(limit + 1))
        ).all()
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        return rows, encode_cursor(str(rows[-1].period))

    async def of_run(
        self, run_id: uuid.UUID, period: int, after: tuple[str, uuid.UUID] | None, size: int
    ) -> Sequence[Payslip]:
        """A batch of a run's payslips in (street, worker) order, for a streamed export.
        The run was found in the caller's scope: its payslips all belong to the export."""
        stmt = select(Payslip).where(Payslip.period == period, Payslip.run_id == run_id)
        if after is not None:
            stmt = stmt.where(tuple_(Payslip.chunk, Payslip.worker_id) > tuple_(*after))
        stmt = stmt.order_by(Payslip.chunk, Payslip.worker_id).limit(size)
        return (await self.session.scalars(stmt)).all()
