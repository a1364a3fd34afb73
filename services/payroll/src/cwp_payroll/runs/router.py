"""Payroll run endpoints: start a run for a jurisdiction and month, follow its
progress, rerun a draft, approve, lock, and list the workers it could not pay."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from cwp_common.auth import Reader, Writer
from cwp_common.clock import today_in_china
from cwp_common.db import utcnow
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import RuntimeDep, SessionDep
from cwp_payroll.runs import service
from cwp_payroll.runs.metrics import RunMetrics
from cwp_payroll.runs.schemas import ChunkOut, FailureOut, RunIn, RunOut

router = APIRouter(prefix="/api/v1/payroll", tags=["runs"])


def _report(request: Request, out: RunOut) -> RunOut:
    """Progress of the run as Prometheus gauges too, as this replica last saw it."""
    metrics: RunMetrics | None = getattr(request.app.state, "run_metrics", None)
    if metrics is not None:
        p = out.progress
        metrics.progress(str(out.id), p.chunks_left, p.payslips_per_second, p.eta_seconds)
    return out


# The run is not in a state that allows this (not a draft, already locked).
STATE_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The run is not in a state that allows this"}
}


@router.post(
    "/runs",
    status_code=201,
    response_model=RunOut,
    responses={409: {"description": "A run for an overlapping jurisdiction pays this month"}},
)
async def start_run(body: RunIn, principal: Writer, rt: RuntimeDep, request: Request) -> RunOut:
    """Start the month's payroll of a jurisdiction: one chunk per street on the work
    queue. A run for an overlapping jurisdiction of the same month is refused (409)."""
    out = await service.start_run(rt.sessions, principal, body, today_in_china(), rt.link)
    return _report(request, out)


@router.get("/runs", response_model=Page[RunOut])
async def list_runs(
    principal: Reader,
    session: SessionDep,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    state: Literal["draft", "approved", "locked"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[RunOut]:
    yyyymm = int(period.replace("-", "")) if period else None
    return await service.list_runs(session, principal, yyyymm, state, cursor, limit)


@router.get("/runs/{run_id}", response_model=RunOut)
async def get_run(
    run_id: uuid.UUID, principal: Reader, session: SessionDep, request: Request
) -> RunOut:
    """The run with its progress: chunks done and left, payslips a second, time left."""
    run = await service.get_run(session, principal, run_id)
    return _report(request, RunOut.from_model(run, utcnow()))


@router.post("/runs/{run_id}/rerun", response_model=RunOut, responses=STATE_CONFLICT)
async def rerun(run_id: uuid.UUID, principal: Writer, rt: RuntimeDep) -> RunOut:
    """Compute a draft again; its payslips are replaced, never paid twice."""
    return await service.rerun(rt.sessions, principal, run_id, rt.link)


@router.post("/runs/{run_id}/approve", response_model=RunOut, responses=STATE_CONFLICT)
async def approve(run_id: uuid.UUID, principal: Writer, session: SessionDep) -> RunOut:
    return await service.approve(session, principal, run_id)


@router.post("/runs/{run_id}/lock", response_model=RunOut, responses=STATE_CONFLICT)
async def lock(run_id: uuid.UUID, principal: Writer, session: SessionDep) -> RunOut:
    """Lock an approved run: it never changes again."""
    return await service.lock(session, principal, run_id)


@router.get("/runs/{run_id}/failures", response_model=Page[FailureOut])
async def failures(
    run_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[FailureOut]:
    """Workers the run could not pay, each with its reason."""
    return await service.failures(session, principal, run_id, cursor, limit)


@router.get("/runs/{run_id}/chunks", response_model=Page[ChunkOut])
async def chunks(
    run_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    state: Literal["pending", "done", "failed"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ChunkOut]:
    """The run's chunks (one a street); `state=failed`: those given up after they kept
    failing, each with its reason."""
    return await service.chunks(session, principal, run_id, state, cursor, limit)
