"""Tax previews for staff: the cumulative withholding of a year's months, and the
separate tax of an annual one-off bonus."""

from __future__ import annotations

from fastapi import APIRouter

from cwp_common.auth import Reader
from cwp_payroll.tax import service
from cwp_payroll.tax.schemas import BonusIn, BonusOut, PreviewIn, PreviewOut

router = APIRouter(prefix="/api/v1/payroll/tax", tags=["tax"])


@router.post("/preview", response_model=PreviewOut)
async def preview(body: PreviewIn, principal: Reader) -> PreviewOut:
    """Each month's withholding, from January, and the cumulative figures behind it."""
    return service.preview(body)


@router.post("/bonus-preview", response_model=BonusOut)
async def bonus_preview(body: BonusIn, principal: Reader) -> BonusOut:
    """The tax on an annual one-off bonus taxed separately (REFERENCE §3.6)."""
    return service.bonus(body)
