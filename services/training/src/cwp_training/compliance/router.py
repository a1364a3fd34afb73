"""Compliance endpoints: a worker's and a region's hours against what is due, and the
requirements a jurisdiction publishes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Admin, Reader, SelfReader
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_training.compliance import service
from cwp_training.compliance.schemas import (
    RegionComplianceOut,
    RegionLevel,
    RequirementIn,
    RequirementOut,
    WorkerComplianceOut,
)

router = APIRouter(prefix="/api/v1/training", tags=["compliance"])


@router.get("/workers/{worker_id}/compliance", response_model=WorkerComplianceOut)
async def worker_compliance(
    worker_id: uuid.UUID, principal: SelfReader, session: SessionDep, as_of: IsoDate | None = None
) -> WorkerComplianceOut:
    """Every period current on `as_of` (default today): yearly and three-year
    requirements of the worker's jurisdiction and position, pre-service training, and
    continuing education of registration periods."""
    return await service.worker_compliance(session, principal, worker_id, as_of or today_in_china())


@router.get("/compliance", response_model=RegionComplianceOut)
async def region_compliance(
    principal: Reader,
    session: SessionDep,
    region: RegionLevel = None,
    as_of: IsoDate | None = None,
) -> RegionComplianceOut:
    """Hours done, due and short for the serving workers of a region (default: the
    caller's), with the sub-regions one level down and certificate holders."""
    return await service.region_compliance(session, principal, region, as_of or today_in_china())


@router.post(
    "/requirements",
    status_code=201,
    response_model=RequirementOut,
    responses={
        409: {
            "description": "A requirement for this jurisdiction, position, period and date exists (requirement-exists)"
        }
    },
)
async def create_requirement(
    body: RequirementIn, principal: Admin, session: SessionDep
) -> RequirementOut:
    """Publish required hours for a jurisdiction (and position) from a date; it takes
    precedence over the shipped policy data of the same or a wider jurisdiction."""
    return await service.create_requirement(session, principal, body)


@router.get("/requirements", response_model=Page[RequirementOut])
async def list_requirements(
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[RequirementOut]:
    return await service.list_requirements(session, principal, cursor, limit)
