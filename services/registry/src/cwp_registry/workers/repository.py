"""Worker queries. Every statement starts from a region-scoped select on the worker's
community code, so no endpoint can reach a worker outside the caller's region."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.scope import region_clause, within_region
from cwp_registry.workers.models import Worker, WorkerTransfer

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class WorkerFilter:
    region: str | None = None
    community_code: str | None = None
    position: str | None = None
    status: str | None = None


class WorkerRepository:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _scoped(self) -> Select[Worker]:
        return within_region(select(Worker), Worker.community_code, self.principal)

    async def get(self, worker_id: uuid.UUID, *, for_update: bool = False) -> Worker | None:
        stmt = self._scoped().where(Worker.id == worker_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def current_by_hash(self, digest: str) -> Worker | None:
        """The one not-exited worker with this ID hash, if it is in scope. Uniqueness
        itself is national: the partial unique index enforces it beyond the scope."""
        stmt = self._scoped().where(Worker.id_number_hash == digest, Worker.status != "exited")
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self, f: WorkerFilter, after: uuid.UUID | None, limit: int) -> Sequence[Worker]:
        stmt = self._scoped()
        if f.region:
            stmt = stmt.where(region_clause(Worker.community_code, f.region))
        if f.community_code:
            stmt = stmt.where(Worker.community_code == f.community_code)
        if f.position:
            stmt = stmt.where(Worker.position == f.position)
        if f.status:
            stmt = stmt.where(Worker.status == f.status)
        if after is not None:
            stmt = stmt.where(Worker.id > after)
        stmt = stmt.order_by(Worker.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def transfers(self, worker_id: uuid.UUID) -> Sequence[WorkerTransfer]:
        stmt = self._transfers_of(select(WorkerTransfer), worker_id).order_by(
            WorkerTransfer.effective_date, WorkerTransfer.id
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def last_transfer_date(self, worker_id: uuid.UUID) -> date | None:
        stmt = select(func.max(WorkerTransfer.effective_date)).select_from(WorkerTransfer)
        return await self.session.scalar(self._transfers_of(stmt, worker_id))

    def _transfers_of(self, stmt: S, worker_id: uuid.UUID) -> S:
        """A worker's transfers, visible only while the worker is in scope."""
        stmt = stmt.join(Worker, Worker.id == WorkerTransfer.worker_id).where(
            WorkerTransfer.worker_id == worker_id
        )
        return within_region(stmt, Worker.community_code, self.principal)
