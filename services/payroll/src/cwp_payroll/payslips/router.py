"""Payslip reads: a worker's payslips (newest first) and a run's streamed exports."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from cwp_common.auth import Reader, SelfReader
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import RuntimeDep, SessionDep
from cwp_payroll.payslips import service
from cwp_payroll.payslips.schemas import PayslipOut

router = APIRouter(prefix="/api/v1/payroll", tags=["payslips"])

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/workers/{worker_id}/payslips", response_model=Page[PayslipOut])
async def worker_payslips(
    worker_id: uuid.UUID,
    principal: SelfReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 12,
) -> Page[PayslipOut]:
    return await service.of_worker(session, principal, worker_id, cursor, limit)


async def _export(
    rt: RuntimeDep, principal: Reader, run_id: uuid.UUID, kind: str
) -> StreamingResponse:
    name, stream = await service.run_export(rt.sessions, principal, run_id, kind)
    return StreamingResponse(
        stream,
        media_type=MEDIA[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/runs/{run_id}/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA["csv"]: {}}}},
)
async def export_csv(run_id: uuid.UUID, principal: Reader, rt: RuntimeDep) -> StreamingResponse:
    """The run's payslips as CSV, streamed."""
    return await _export(rt, principal, run_id, "csv")


@router.get(
    "/runs/{run_id}/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA["xlsx"]: {}}}},
)
async def export_xlsx(run_id: uuid.UUID, principal: Reader, rt: RuntimeDep) -> StreamingResponse:
    """The run's payslips as an Excel workbook for the bank, streamed."""
    return await _export(rt, principal, run_id, "xlsx")
