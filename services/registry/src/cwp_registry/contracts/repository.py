"""Contract and enrolment queries, scoped through the worker's current community."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.scope import region_clause
from cwp_registry.contracts.models import InsuranceEnrolment, LabourContract
from cwp_registry.workers.models import Worker
from cwp_registry.workers.scope import WorkerScoped


class ContractRepository(WorkerScoped[LabourContract]):
    model = LabourContract
    key = LabourContract.id
    label = "Contract"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = LabourContract.worker_id

    async def active_for(self, worker_id: uuid.UUID) -> LabourContract | None:
        stmt = self.scoped().where(
            LabourContract.worker_id == worker_id, LabourContract.status == "active"
        )
        return await self.session.scalar(stmt)

    async def chain(self, last: LabourContract) -> list[LabourContract]:
        """The unbroken run of renewals ending with `last`, oldest first."""
        run = [last]
        while run[-1].previous_id is not None:
            previous = await self.get(run[-1].previous_id)
            if previous is None:
                break
            run.append(previous)
        return run[::-1]

    async def probation_used(self, worker_id: uuid.UUID, employer_code: str) -> bool:
        stmt = self.scoped().where(
            LabourContract.worker_id == worker_id,
            LabourContract.employer_code == employer_code,
            LabourContract.probation_months > 0,
        )
        return await self.session.scalar(stmt.limit(1)) is not None

    def of_worker(self, worker_id: uuid.UUID) -> AnySelect:
        return self.scoped().where(LabourContract.worker_id == worker_id)

    def listing(self, region: str | None, status: str | None, ending_by: date | None) -> AnySelect:
        stmt = self.where_given(self.scoped(), (LabourContract.status, status))
        if region:
            members = select(Worker.id).where(region_clause(Worker.community_code, region))
            stmt = stmt.where(LabourContract.worker_id.in_(members))
        if ending_by is not None:
            stmt = stmt.where(LabourContract.end_date <= ending_by)
        return stmt

    async def due_reminders(self, today: date, until: date) -> Sequence[LabourContract]:
        """Active fixed-term contracts of current workers ending in [today, until] and not
        yet reminded. Run by the reminder job as PLATFORM."""
        stmt = (
            self.scoped()
            .join(Worker, Worker.id == LabourContract.worker_id)
            .where(
                LabourContract.status == "active",
                LabourContract.end_date >= today,
                LabourContract.end_date <= until,
                LabourContract.reminded_on.is_(None),
                Worker.status != "exited",
            )
            .order_by(LabourContract.end_date, LabourContract.id)
        )
        return (await self.session.scalars(stmt)).all()


class EnrolmentRepository(WorkerScoped[InsuranceEnrolment]):
    model = InsuranceEnrolment
    key = InsuranceEnrolment.id
    label = "Enrolment"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = InsuranceEnrolment.worker_id

    def of_worker(self, worker_id: uuid.UUID, scheme: str | None) -> AnySelect:
        stmt = self.scoped().where(InsuranceEnrolment.worker_id == worker_id)
        return self.where_given(stmt, (InsuranceEnrolment.scheme, scheme))

    async def overlapping(
        self,
        worker_id: uuid.UUID,
        scheme: str,
        start: date,
        end: date | None,
        other_than: uuid.UUID | None = None,
    ) -> bool:
        """Another enrolment in the scheme shares a day with [start, end] (open: None)."""
        e = InsuranceEnrolment
        stmt = self.scoped().where(
            e.worker_id == worker_id,
            e.scheme == scheme,
            or_(e.end_date.is_(None), e.end_date >= start),
        )
        if end is not None:
            stmt = stmt.where(e.start_date <= end)
        if other_than is not None:
            stmt = stmt.where(and_(e.id != other_than))
        return await self.session.scalar(stmt.limit(1)) is not None
