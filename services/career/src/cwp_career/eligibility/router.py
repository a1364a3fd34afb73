"""Eligibility endpoints: GET /eligibility/public-institution and the other criteria."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cwp_career.eligibility import service
from cwp_career.eligibility.schemas import EligibilityPage
from cwp_common.auth import Reader
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_common.pagination import MAX_LIMIT
from cwp_common.service import SessionDep

router = APIRouter(prefix="/api/v1/career", tags=["eligibility"])


@router.get("/eligibility/{criterion}", response_model=EligibilityPage)
async def eligibility(
    criterion: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")],
    principal: Reader,
    session: SessionDep,
    as_of: IsoDate | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> EligibilityPage:
    """Workers meeting a ladder criterion (public-institution: community Party secretaries
    with 10 consecutive years in the community and a full term as secretary; civil-service,
    mentor, or any criterion a published ladder defines)."""
    return await service.eligible(
        session, principal, criterion, as_of or today_in_china(), region, cursor, limit
    )
