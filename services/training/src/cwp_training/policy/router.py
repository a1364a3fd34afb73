"""Policy endpoint: the training rules in force for a place on a day (reference data,
national on purpose: every caller may read any jurisdiction's published rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_training.policy.rules import resolve
from cwp_training.policy.schemas import PolicyOut

router = APIRouter(prefix="/api/v1/training", tags=["policy"])


@router.get("/policy", response_model=PolicyOut)
async def get_policy(
    principal: Reader,
    jurisdiction: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    on: IsoDate | None = None,
) -> PolicyOut:
    return resolve(jurisdiction, on or today_in_china())
