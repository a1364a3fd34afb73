"""Care records (关心关爱). Exited workers keep receiving visits and honours (a retired
worker is still visited), so a record needs the worker in scope, not a current one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_registry.care.models import CareRecord
from cwp_registry.care.repository import CareRepository
from cwp_registry.care.schemas import HealthCheckIn, HonourIn, NominationIn, VisitIn
from cwp_registry.workers.records import record_owner
from cwp_registry.workers.repository import WorkerRepository


async def record(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    body: HealthCheckIn | VisitIn | HonourIn | NominationIn,
) -> CareRecord:
    async with session.begin():
        worker = await record_owner(session, principal, worker_id, body.on, current=False)
        row = CareRecord(
            id=new_id(),
            worker_id=worker.id,
            kind=body.kind,
            on=body.on,
            details=body.model_dump(mode="json", exclude={"kind", "on", "note"}),
            note=body.note,
            created_by=principal.subject,
            created_at=utcnow(),
        )
        CareRepository(session, principal).add(row)
    return row


async def list_page(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[CareRecord], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = CareRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id, kind), cursor, limit)
