"""Payslip use cases: a worker's payslips, a run's streamed exports."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.pagination import Page
from cwp_payroll.payslips import export
from cwp_payroll.payslips.repository import PayslipRepository
from cwp_payroll.payslips.schemas import PayslipOut
from cwp_payroll.runs.repository import RunRepository
from cwp_payroll.workers.repository import WorkerRepository


async def of_worker(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[PayslipOut]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    rows, nxt = await PayslipRepository(session, principal).of_worker(worker_id, cursor, limit)
    return Page(items=[PayslipOut.from_model(p) for p in rows], next_cursor=nxt)


async def run_export(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    run_id: uuid.UUID,
    kind: str,
) -> tuple[str, AsyncIterator[bytes]]:
    """The file name and the byte stream of a run's export; 404 outside the scope."""
    async with sessions() as session:
        run = await RunRepository(session, principal).get_or_404(run_id)
    name = f"payroll-{run.jurisdiction}-{run.period}-{run.id}.{kind}"
    stream = (export.csv_stream if kind == "csv" else export.xlsx_stream)(
        sessions, run.id, run.period
    )
    return name, stream
