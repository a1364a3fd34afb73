"""Mass regrade: the yearly step date job, also queued by a ladder publish."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from cwp_career.grading import service
from cwp_career.grading.jobs import JobRunner
from cwp_career.grading.schemas import JobOut, RegradeIn
from cwp_common.auth import Admin, Reader
from cwp_common.service import SessionDep

router = APIRouter(prefix="/api/v1/career", tags=["grading"])


def job_runner(request: Request) -> JobRunner:
    return request.app.state.regrade_jobs  # type: ignore[no-any-return]


@router.post("/regrade", status_code=202, response_model=JobOut)
async def regrade(
    body: RegradeIn, principal: Admin, session: SessionDep, request: Request
) -> JobOut:
    """Queue a re-grade of every projected worker under the prefix as of a day (run it
    daily, or at least on each yearly step date); only workers whose grade changes get a
    history row and an event. Poll GET /regrade/{id} for progress."""
    job = await service.request_regrade(session, principal, body.jurisdiction, body.as_of)
    job_runner(request).submit(job.id)
    return JobOut.from_model(job)


@router.get("/regrade/{job_id}", response_model=JobOut)
async def get_regrade(job_id: uuid.UUID, principal: Reader, session: SessionDep) -> JobOut:
    return await service.get_job(session, principal, job_id)
