"""The tax preview: consecutive months from January, money as decimal strings."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cwp_payroll.money import yuan
from cwp_payroll.policy.schemas import Money
from cwp_payroll.tax.rules import Withholding


class MonthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gross: Money
    special_deductions: Money  # the employee's 三险一金
    additional_deductions: Money  # 专项附加扣除


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months: Annotated[list[MonthIn], Field(min_length=1, max_length=12)]


class MonthOut(BaseModel):
    month: int
    gross: str
    cumulative_income: str
    cumulative_basic_deduction: str
    cumulative_special_deductions: str
    cumulative_additional_deductions: str
    cumulative_taxable_income: str
    rate: str
    quick_deduction: str
    cumulative_tax: str
    withheld_before: str
    withholding: str

    @classmethod
    def from_model(cls, w: Withholding, gross: int) -> MonthOut:
        return cls(
            month=w.month,
            gross=yuan(gross),
            cumulative_income=yuan(w.income),
            cumulative_basic_deduction=yuan(w.basic),
            cumulative_special_deductions=yuan(w.special),
            cumulative_additional_deductions=yuan(w.additional),
            cumulative_taxable_income=yuan(w.taxable),
            rate=w.rate.text,
            quick_deduction=yuan(w.quick),
            cumulative_tax=yuan(w.tax),
            withheld_before=yuan(w.withheld_before),
            withholding=yuan(w.withholding),
        )


class PreviewOut(BaseModel):
    months: list[MonthOut]
    total_withheld: str


class BonusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bonus: Money


class BonusOut(BaseModel):
    bonus: str
    tax: str
