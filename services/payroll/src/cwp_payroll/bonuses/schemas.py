"""Bonus line requests and answers; money as decimal strings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_payroll.bonuses.models import BonusLine
from cwp_payroll.money import yuan
from cwp_payroll.policy.schemas import PositiveMoney
from cwp_payroll.runs.compute import period_text
from cwp_payroll.runs.schemas import Period


class BonusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    worker_id: uuid.UUID
    period: Period  # the month whose run pays it, "YYYY-MM"
    amount: PositiveMoney
    note: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class BonusOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    community_code: str
    period: str
    amount: str
    note: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, b: BonusLine) -> BonusOut:
        return cls(
            id=b.id,
            worker_id=b.worker_id,
            community_code=b.community_code,
            period=period_text(b.period),
            amount=yuan(b.amount),
            note=b.note,
            created_by=b.created_by,
            created_at=b.created_at,
        )
