"""Worker pay facts (grade, coefficient, qualification) and tax choices."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from cwp_common.auth import Reader, Writer
from cwp_common.service import SessionDep
from cwp_payroll.workers import service
from cwp_payroll.workers.schemas import PayWorkerOut, TaxOptionsIn

router = APIRouter(prefix="/api/v1/payroll", tags=["workers"])


@router.get("/workers/{worker_id}", response_model=PayWorkerOut)
async def get_worker(worker_id: uuid.UUID, principal: Reader, session: SessionDep) -> PayWorkerOut:
    return await service.get_worker(session, principal, worker_id)


@router.put("/workers/{worker_id}/tax-options", response_model=PayWorkerOut)
async def set_tax_options(
    worker_id: uuid.UUID, body: TaxOptionsIn, principal: Writer, session: SessionDep
) -> PayWorkerOut:
    """The worker's declared monthly special additional deductions and the annual bonus
    taxation choice."""
    return await service.set_tax_options(session, principal, worker_id, body)
