"""Ladder endpoints: publish, read, preview, templates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from cwp_career.grading.router import job_runner
from cwp_career.ladders import service
from cwp_career.ladders.exceptions import TemplateNotFound
from cwp_career.ladders.schemas import (
    LadderBody,
    LadderOut,
    PreviewOut,
    PublishedLadder,
    TemplateOut,
)
from cwp_career.ladders.templates import templates
from cwp_common.auth import Admin, Reader
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1/career", tags=["ladders"])


@router.post(
    "/ladders",
    status_code=201,
    response_model=PublishedLadder,
    responses={
        409: {
            "description": "A ladder of this jurisdiction and effective date is published already (ladder-exists)"
        }
    },
)
async def publish_ladder(
    body: LadderBody, principal: Admin, session: SessionDep, request: Request
) -> PublishedLadder:
    row, job_id = await service.publish(session, principal, body)
    if job_id is not None:
        job_runner(request).submit(job_id)
    return PublishedLadder.from_model(row, job_id)


@router.get("/ladders", response_model=Page[LadderOut])
async def list_ladders(
    principal: Reader,
    session: SessionDep,
    jurisdiction: Annotated[str | None, Query(pattern=r"^(\d{2}|\d{4})?$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[LadderOut]:
    return await service.list_versions(session, principal, jurisdiction, cursor, limit)


@router.post("/ladders/preview", response_model=PreviewOut)
async def preview_ladder(body: LadderBody, principal: Admin, rt: RuntimeDep) -> PreviewOut:
    return await service.preview(rt.sessions, principal, body)


@router.get("/ladders/{ladder_id}", response_model=LadderOut)
async def get_ladder(ladder_id: uuid.UUID, principal: Reader, session: SessionDep) -> LadderOut:
    return await service.get(session, principal, ladder_id)


@router.get("/templates", response_model=list[TemplateOut])
async def list_templates(principal: Reader) -> list[TemplateOut]:
    return [TemplateOut.from_model(t) for t in templates().values()]


@router.get("/templates/{name}", response_model=TemplateOut)
async def get_template(name: str, principal: Reader) -> TemplateOut:
    t = templates().get(name)
    if t is None:
        raise TemplateNotFound(name)
    return TemplateOut.from_model(t)
