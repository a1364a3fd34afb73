"""Worker projection queries; reads go through the caller's region scope on the worker's
community code, so a worker outside it is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.workers.models import ProfessionalLevel, Worker
from cwp_common.auth import Principal
from cwp_common.scope import region_clause, within_region


@dataclass(frozen=True)
class WorkerFilter:
    region: str | None = None
    category: str | None = None
    grade: int | None = None
    status: str | None = None


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, principal: Principal, worker_id: uuid.UUID, *, for_update: bool = False
    ) -> Worker | None:
        stmt = within_region(
            select(Worker).where(Worker.worker_id == worker_id), Worker.community_code, principal
        )
        # Grades are written set-based (Core), past the identity map: always reload.
        stmt = stmt.execution_options(populate_existing=True)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def page(
        self, principal: Principal, f: WorkerFilter, after: uuid.UUID | None, limit: int
    ) -> Sequence[Worker]:
        stmt = within_region(select(Worker), Worker.community_code, principal)
        if f.region:
            stmt = stmt.where(region_clause(Worker.community_code, f.region))
        if f.category is not None:
            stmt = stmt.where(Worker.category == f.category)
        if f.grade is not None:
            stmt = stmt.where(Worker.grade == f.grade)
        if f.status is not None:
            stmt = stmt.where(Worker.status == f.status)
        if after is not None:
            stmt = stmt.where(Worker.worker_id > after)
        return (await self.session.scalars(stmt.order_by(Worker.worker_id).limit(limit))).all()

    # --- unscoped: for event handlers, which act for the platform, not for a caller ---

    async def load(self, worker_id: uuid.UUID) -> Worker | None:
        return await self.session.get(Worker, worker_id, with_for_update=True)

    async def levels(self, worker_id: uuid.UUID, kind: str) -> list[str]:
        stmt = select(ProfessionalLevel.level).where(
            ProfessionalLevel.worker_id == worker_id, ProfessionalLevel.kind == kind
        )
        return list((await self.session.scalars(stmt)).all())

    def add(self, row: Worker | ProfessionalLevel) -> None:
        self.session.add(row)
