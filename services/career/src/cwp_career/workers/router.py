"""Worker endpoints: the projected worker with grade and history, lists. Skill levels
are recorded by the training service (POST /api/v1/training/skill-levels), which owns
them; career learns them from training.skill_level.obtained.v1."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_career.workers import service
from cwp_career.workers.repository import WorkerFilter
from cwp_career.workers.schemas import WorkerOut, WorkerSummary
from cwp_common.auth import Reader
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep

router = APIRouter(prefix="/api/v1/career", tags=["workers"])


@router.get("/workers", response_model=Page[WorkerSummary])
async def list_workers(
    principal: Reader,
    session: SessionDep,
    region: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    grade: Annotated[int | None, Query(ge=1, le=99)] = None,
    status: Literal["active", "on_leave", "exited"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[WorkerSummary]:
    f = WorkerFilter(region=region, category=category, grade=grade, status=status)
    return await service.list_workers(session, principal, f, cursor, limit)


@router.get("/workers/{worker_id}", response_model=WorkerOut)
async def get_worker(worker_id: uuid.UUID, principal: Reader, session: SessionDep) -> WorkerOut:
    return await service.get_worker(session, principal, worker_id)
