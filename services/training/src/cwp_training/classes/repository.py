"""Class, enrolment and hours queries. Classes are scoped by jurisdiction (a district
sees its own classes and those of the province and nation above it); enrolments and
hours follow the worker's current community."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import jurisdiction_clause
from cwp_training.classes.models import Attendance, Enrolment, Plan, TrainingClass
from cwp_training.workers.scope import WorkerScoped, own_rows


class PlanRepository(Repository[Plan]):
    model = Plan
    key = Plan.id
    label = "Plan"

    def scope(self, stmt: AnySelect) -> AnySelect:
        stmt = own_rows(stmt, self.principal, None)
        return stmt.where(jurisdiction_clause(Plan.jurisdiction, self.principal.region))


class ClassRepository(Repository[TrainingClass]):
    model = TrainingClass
    key = TrainingClass.id
    label = "Class"

    def scope(self, stmt: AnySelect) -> AnySelect:
        stmt = own_rows(stmt, self.principal, None)
        return stmt.where(jurisdiction_clause(TrainingClass.jurisdiction, self.principal.region))


class ClassUse:
    """Which classes use a catalogue item. National on purpose: a course, base or
    trainer of a province serves classes of its districts, which the caller who
    edits the item may not see; answers are counts and capacities, never classes."""

    def __init__(self, session: Any) -> None:
        self.session = session

    @staticmethod
    def _of(column: str, item_id: uuid.UUID) -> Any:
        if column == "trainer_ids":
            return TrainingClass.trainer_ids.contains(f",{item_id},", autoescape=True)
        return getattr(TrainingClass, column) == item_id

    async def count(self, column: str, item_id: uuid.UUID, ending_from: date | None = None) -> int:
        """Classes using the item (those ending on or after `ending_from`, if given)."""
        stmt = select(func.count()).select_from(TrainingClass).where(self._of(column, item_id))
        if ending_from is not None:
            stmt = stmt.where(TrainingClass.ends_on >= ending_from)
        return int(await self.session.scalar(stmt) or 0)

    async def largest(self, base_id: uuid.UUID) -> int:
        """The most places of a class at the base (0: none)."""
        stmt = select(func.max(TrainingClass.capacity)).where(TrainingClass.base_id == base_id)
        return int(await self.session.scalar(stmt) or 0)


class EnrolmentRepository(WorkerScoped[Enrolment]):
    model = Enrolment
    key = Enrolment.id
    worker_column = Enrolment.worker_id
    label = "Enrolment"

    async def of_class(self, class_id: uuid.UUID, worker_id: uuid.UUID) -> Enrolment | None:
        stmt = self.scoped().where(Enrolment.class_id == class_id, Enrolment.worker_id == worker_id)
        return await self.session.scalar(stmt)

    async def of_class_many(
        self, class_id: uuid.UUID, worker_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Enrolment]:
        stmt = self.scoped().where(
            Enrolment.class_id == class_id, Enrolment.worker_id.in_(list(worker_ids))
        )
        return {e.worker_id: e for e in (await self.session.scalars(stmt)).all()}

    async def counts(self, class_id: uuid.UUID) -> dict[str, int]:
        """Places taken per status, across the whole class (national on purpose: the
        capacity is the class's, whoever enrolled the others)."""
        stmt = (
            select(Enrolment.status, func.count())
            .where(Enrolment.class_id == class_id)
            .group_by(Enrolment.status)
        )
        return {s: int(n) for s, n in (await self.session.execute(stmt)).all()}

    async def first_waiting(self, class_id: uuid.UUID) -> Enrolment | None:
        """The longest-waiting enrolment of the class (national on purpose, as counts)."""
        stmt = (
            select(Enrolment)
            .where(Enrolment.class_id == class_id, Enrolment.status == "waitlisted")
            .order_by(Enrolment.created_at, Enrolment.id)
            .limit(1)
        )
        return await self.session.scalar(stmt)


class HoursRepository(WorkerScoped[Attendance]):
    model = Attendance
    key = Attendance.id
    worker_column = Attendance.worker_id
    label = "Attendance"

    async def minutes_between(self, worker_id: uuid.UUID, first: date, last: date) -> int:
        stmt = self.scope(
            select(func.coalesce(func.sum(Attendance.minutes), 0)).where(
                Attendance.worker_id == worker_id, Attendance.day >= first, Attendance.day <= last
            )
        )
        return int(await self.session.scalar(stmt) or 0)
