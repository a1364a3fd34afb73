"""Skill level endpoints, and the recognition table (reference data)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.skills import service
from cwp_training.skills.schemas import RecognitionOut, SkillLevelIn, SkillLevelOut

router = APIRouter(prefix="/api/v1/training", tags=["skill levels"])


@router.post(
    "/skill-levels",
    status_code=201,
    response_model=SkillLevelOut,
    responses={
        409: {
            "description": "The worker holds this level or certificate already (skill-level-exists), or has left community work (worker-exited)"
        }
    },
)
async def record_skill_level(
    body: SkillLevelIn, principal: Writer, session: SessionDep
) -> SkillLevelOut:
    """Record a vocational skill level; publishes training.skill_level.obtained.v1 (career
    re-grades from it). This is the one place skill levels are entered."""
    return await service.record(session, principal, body)


@router.get("/workers/{worker_id}/skill-levels", response_model=Page[SkillLevelOut])
async def worker_skill_levels(
    worker_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[SkillLevelOut]:
    return await service.of_worker(session, principal, worker_id, cursor, limit)


@router.get("/skill-recognition", response_model=RecognitionOut)
async def skill_recognition(
    principal: Reader,
    jurisdiction: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    on: IsoDate | None = None,
) -> RecognitionOut:
    """The two-way recognition table between community-worker ability levels and
    vocational skill levels in force for a jurisdiction."""
    return service.recognition(jurisdiction, on or today_in_china())
