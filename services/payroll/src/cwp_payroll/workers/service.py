"""Worker use cases: read the pay facts, set the tax choices."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_payroll.money import to_fen
from cwp_payroll.workers.repository import WorkerRepository
from cwp_payroll.workers.schemas import PayWorkerOut, TaxOptionsIn


async def get_worker(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> PayWorkerOut:
    return PayWorkerOut.from_model(await WorkerRepository(session, principal).get_or_404(worker_id))


async def set_tax_options(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: TaxOptionsIn
) -> PayWorkerOut:
    async with session.begin():
        row = await WorkerRepository(session, principal).get_or_404(worker_id, for_update=True)
        row.additional_deductions = to_fen(body.additional_deductions)
        row.bonus_separate = body.bonus_separate
        row.updated_at = utcnow()
    return PayWorkerOut.from_model(row)
