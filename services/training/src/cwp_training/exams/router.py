"""Exam endpoints: record a subject's result; a worker's results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.exams import service
from cwp_training.exams.schemas import ExamRecorded, ExamResultIn, ExamResultOut

router = APIRouter(prefix="/api/v1/training", tags=["exams"])


@router.post(
    "/exam-results",
    status_code=201,
    response_model=ExamRecorded,
    responses={
        409: {
            "description": "A result of this subject and year is recorded already (exam-result-exists), or the worker has left community work (worker-exited)"
        }
    },
)
async def record_result(body: ExamResultIn, principal: Writer, session: SessionDep) -> ExamRecorded:
    """Record one subject's score (0-100, one decimal). When the level's rule is met the
    qualification is granted and training.qualification.obtained.v1 published."""
    return await service.record(session, principal, body)


@router.get("/workers/{worker_id}/exam-results", response_model=Page[ExamResultOut])
async def worker_results(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ExamResultOut]:
    return await service.of_worker(session, principal, worker_id, cursor, limit)
