"""Payslips as the API shows them: every amount a decimal string."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from pydantic import BaseModel

from cwp_payroll.money import yuan
from cwp_payroll.runs.compute import period_text
from cwp_payroll.runs.models import Payslip
from cwp_payroll.workers.rules import coefficient_text

AMOUNTS = (
    "basic",
    "performance",
    "qualification_allowance",
    "seniority_allowance",
    "post_allowance",
    "other_allowances",
    "arrears",
    "bonus",
    "gross",
    "contribution_base",
    "housing_base",
    "pension_employee",
    "medical_employee",
    "unemployment_employee",
    "housing_employee",
    "special_deductions",
    "additional_deductions",
    "tax",
    "bonus_tax",
    "net",
    "pension_employer",
    "medical_employer",
    "unemployment_employer",
    "injury_employer",
    "housing_employer",
    "employer_cost",
)


class Line(BaseModel):
    label: str
    amount: str


class PayslipOut(BaseModel):
    worker_id: uuid.UUID
    run_id: uuid.UUID
    period: str
    name: str
    community_code: str
    position: str
    category: str
    grade: int
    pay_coefficient: str
    example: bool
    basic: str
    performance: str
    qualification_allowance: str
    seniority_allowance: str
    post_allowance: str
    other_allowances: str
    arrears: str
    bonus: str
    gross: str
    # The pay the bases were set from (the previous year's average monthly pay, or a new
    # hire's first month's pay); null on payslips written before it was kept.
    pay_basis: str | None
    contribution_base: str
    housing_base: str
    pension_employee: str
    medical_employee: str
    unemployment_employee: str
    housing_employee: str
    special_deductions: str
    additional_deductions: str
    tax: str
    bonus_tax: str
    net: str
    pension_employer: str
    medical_employer: str
    unemployment_employer: str
    injury_employer: str
    housing_employer: str
    employer_cost: str
    lines: list[Line]

    @classmethod
    def from_model(cls, p: Payslip) -> PayslipOut:
        values: dict[str, Any] = {k: yuan(getattr(p, k)) for k in AMOUNTS}
        return cls(
            worker_id=p.worker_id,
            run_id=p.run_id,
            period=period_text(p.period),
            name=p.name,
            community_code=p.community_code,
            position=p.position,
            category=p.category,
            grade=p.grade,
            pay_coefficient=coefficient_text(p.coefficient_e4),
            example=p.example,
            pay_basis=yuan(p.pay_basis) if p.pay_basis is not None else None,
            lines=[Line(label=str(k), amount=yuan(int(v))) for k, v in orjson.loads(p.lines)],
            **values,
        )
