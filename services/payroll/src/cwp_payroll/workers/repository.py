"""Worker projection queries, scoped on the worker's current community code. Grade
changes and qualifications follow the worker's current community too."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select, update

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import within_region
from cwp_payroll.workers.models import GradeChange, PayWorker, Qualification

S = TypeVar("S", bound=AnySelect)


class WorkerRepository(Repository[PayWorker]):
    model = PayWorker
    key = PayWorker.worker_id
    scope_column = PayWorker.community_code
    # A worker's own token finds their own row (their payslips are looked up through
    # it) and no one else's.
    worker_column = PayWorker.worker_id
    label = "Worker"

    async def serialize(self, worker_id: uuid.UUID) -> None:
        """Take the worker's lock for the rest of the transaction, row or no row yet.

        The registration (which makes the row) and a grade or qualification that may
        arrive before it come from three streams and run at the same time; each reads
        what the other writes. Serialized per worker, the later one always sees the
        earlier one's write. PostgreSQL: a transaction-scoped advisory lock on the id;
        SQLite: a write statement takes the database's one write lock at once."""
        if self.session.get_bind().dialect.name == "postgresql":
            key = (worker_id.int >> 64) - (1 << 63)  # the id's high half as a signed bigint
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))
        else:
            await self.session.execute(
                update(PayWorker)
                .where(PayWorker.worker_id == worker_id)
                .values(worker_id=PayWorker.worker_id)
            )


def _of_workers_in_scope(stmt: S, column: Any, repo: Repository[Any]) -> S:
    if not repo.principal.region:
        return stmt  # national: nothing to join
    members = within_region(select(PayWorker.worker_id), PayWorker.community_code, repo.principal)
    return stmt.where(column.in_(members))


class GradeChangeRepository(Repository[GradeChange]):
    model = GradeChange
    key = GradeChange.id
    label = "Grade change"

    def scope(self, stmt: S) -> S:
        return _of_workers_in_scope(stmt, GradeChange.worker_id, self)

    async def latest(self, worker_id: uuid.UUID) -> GradeChange | None:
        stmt = (
            self.scoped()
            .where(GradeChange.worker_id == worker_id)
            .order_by(GradeChange.created_at.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)


class QualificationRepository(Repository[Qualification]):
    model = Qualification
    key = Qualification.id
    label = "Qualification"

    def scope(self, stmt: S) -> S:
        return _of_workers_in_scope(stmt, Qualification.worker_id, self)

    async def held(self, worker_id: uuid.UUID) -> Sequence[Qualification]:
        stmt = self.scoped().where(Qualification.worker_id == worker_id)
        return (await self.session.scalars(stmt)).all()

    async def has(self, worker_id: uuid.UUID, level: str) -> bool:
        stmt = self.scoped().where(
            Qualification.worker_id == worker_id, Qualification.level == level
        )
        return (await self.session.scalar(stmt)) is not None
