"""Worker pay facts and the per-worker tax choices."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from cwp_common.formats import IsoDate, JsonBool
from cwp_payroll.money import yuan
from cwp_payroll.policy.schemas import Money
from cwp_payroll.workers.models import PayWorker
from cwp_payroll.workers.rules import coefficient_text


class TaxOptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # 专项附加扣除 a month (children, elderly parents, housing...), as declared.
    additional_deductions: Money
    # Tax the annual one-off bonus separately (全年一次性奖金单独计税) while in force.
    bonus_separate: JsonBool


class PayWorkerOut(BaseModel):
    worker_id: uuid.UUID
    name: str
    community_code: str
    position: str
    status: str
    category: str | None
    grade: int | None
    pay_coefficient: str | None
    example: bool
    grade_effective_date: IsoDate | None
    qualification: str | None
    additional_deductions: str
    bonus_separate: JsonBool

    @classmethod
    def from_model(cls, w: PayWorker) -> PayWorkerOut:
        return cls(
            worker_id=w.worker_id,
            name=w.name,
            community_code=w.community_code,
            position=w.position,
            status=w.status,
            category=w.category,
            grade=w.grade,
            pay_coefficient=(
                coefficient_text(w.coefficient_e4) if w.coefficient_e4 is not None else None
            ),
            example=w.grade_example,
            grade_effective_date=w.grade_effective_date,
            qualification=w.qualification,
            additional_deductions=yuan(w.additional_deductions),
            bonus_separate=w.bonus_separate,
        )
