"""Assessment and exit-recommendation endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cwp_career.assessments import service
from cwp_career.assessments.repository import AssessmentFilter
from cwp_career.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentPatch,
    AssessmentSummary,
    BulkIn,
    BulkOut,
    ConfirmIn,
    ConfirmOut,
    ExitRecommendationOut,
)
from cwp_common.auth import Reader, SelfReader, Writer
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep

router = APIRouter(prefix="/api/v1/career", tags=["assessments"])

Region = Annotated[str | None, Query(pattern=r"^\d{1,12}$")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post(
    "/assessments",
    status_code=201,
    response_model=AssessmentOut,
    responses={
        409: {
            "description": "The worker has an assessment of this year already (assessment-exists)"
        }
    },
)
async def create_assessment(
    body: AssessmentIn, principal: Writer, session: SessionDep
) -> AssessmentOut:
    return await service.create(session, principal, body)


@router.post("/assessments/bulk", status_code=201, response_model=BulkOut)
async def bulk_assessments(body: BulkIn, principal: Writer, session: SessionDep) -> BulkOut:
    return await service.bulk(session, principal, body)


@router.post("/assessments/confirm", response_model=ConfirmOut)
async def confirm_community(body: ConfirmIn, principal: Writer, session: SessionDep) -> ConfirmOut:
    return await service.confirm_community(session, principal, body)


@router.get("/assessments", response_model=Page[AssessmentOut])
async def list_assessments(
    principal: SelfReader,
    session: SessionDep,
    region: Region = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Literal["draft", "confirmed"] | None = None,
    worker_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AssessmentOut]:
    f = AssessmentFilter(region=region, year=year, status=status, worker_id=worker_id)
    return await service.list_assessments(session, principal, f, cursor, limit)


@router.get("/assessments/summary", response_model=AssessmentSummary)
async def assessment_summary(
    principal: Reader,
    session: SessionDep,
    region: Region = None,
    as_of: IsoDate | None = None,
) -> AssessmentSummary:
    """Confirmed results per year and result, as they stood at the end of `as_of`
    (default today), of the workers who were in `region` then: a result goes with its
    worker from the day of a move, so a later move leaves an earlier date's figures as
    they were."""
    return await service.summary(session, principal, region, as_of or today_in_china())


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
async def get_assessment(
    assessment_id: uuid.UUID, principal: SelfReader, session: SessionDep
) -> AssessmentOut:
    return await service.get(session, principal, assessment_id)


@router.patch(
    "/assessments/{assessment_id}",
    response_model=AssessmentOut,
    responses={
        409: {
            "description": "The assessment is confirmed and no longer changes (assessment-confirmed)"
        }
    },
)
async def patch_assessment(
    assessment_id: uuid.UUID, body: AssessmentPatch, principal: Writer, session: SessionDep
) -> AssessmentOut:
    return await service.update(session, principal, assessment_id, body)


@router.post(
    "/assessments/{assessment_id}/confirm",
    response_model=ConfirmOut,
    responses={409: {"description": "The assessment is confirmed already (assessment-confirmed)"}},
)
async def confirm_assessment(
    assessment_id: uuid.UUID, principal: Writer, session: SessionDep
) -> ConfirmOut:
    return await service.confirm_one(session, principal, assessment_id)


@router.get("/exit-recommendations", response_model=Page[ExitRecommendationOut])
async def list_exit_recommendations(
    principal: Reader,
    session: SessionDep,
    region: Region = None,
    status: Literal["open", "closed"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ExitRecommendationOut]:
    return await service.list_recommendations(session, principal, region, status, cursor, limit)
