"""Annual one-off bonus lines entered by staff; the run of the line's month pays them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_payroll.bonuses import service
from cwp_payroll.bonuses.schemas import BonusIn, BonusOut

router = APIRouter(prefix="/api/v1/payroll", tags=["bonuses"])


@router.post(
    "/bonuses",
    response_model=BonusOut,
    status_code=201,
    responses={
        409: {
            "description": "The worker has a bonus for this month already (bonus-exists), or a run past draft pays the month (run-locked)"
        }
    },
)
async def add_bonus(body: BonusIn, principal: Writer, session: SessionDep) -> BonusOut:
    """An annual one-off bonus (全年一次性奖金) for a worker, paid by the run of `period`
    and taxed separately or with that month's wages as the worker chose (the separate
    option once a tax year, until 2027-12-31)."""
    return await service.add(session, principal, body)


@router.get("/bonuses", response_model=Page[BonusOut])
async def list_bonuses(
    principal: Reader,
    session: SessionDep,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[BonusOut]:
    yyyymm = int(period.replace("-", "")) if period else None
    return await service.find(session, principal, yyyymm, cursor, limit)


@router.delete(
    "/bonuses/{bonus_id}",
    status_code=204,
    response_class=Response,
    responses={409: {"description": "A run past draft pays the month (run-locked)"}},
)
async def delete_bonus(bonus_id: uuid.UUID, principal: Writer, session: SessionDep) -> Response:
    """Take a bonus line back while no approved or locked run pays its month."""
    await service.delete(session, principal, bonus_id)
    return Response(status_code=204)
