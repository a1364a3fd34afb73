from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from cwp_common.formats import DecimalRange, IsoDate, JsonBool
from cwp_common.text import Note, Title
from cwp_registry.contracts import rules
from cwp_registry.contracts.models import InsuranceEnrolment, LabourContract

CENT = Decimal("0.01")
# Yuan as a decimal string ("5250.00"): exact, never a float.
Yuan = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "9999999999.99",
        2,
        example="5250.00",
        message="an amount in yuan is 0 or more with at most two decimals / 金额不小于 0，最多两位小数",
    ),
    AfterValidator(lambda d: d.quantize(CENT)),
]
Months = Annotated[int, Field(ge=0, le=12)]  # the law's limit is checked by the rules
EndReason = Literal[
    "expired",  # 期满终止
    "mutual_agreement",  # 协商一致解除
    "worker_resigned",  # 劳动者提出解除
    "dismissed",  # 用人单位解除
    "worker_exited",  # recorded with the worker's exit
    "other",
]
# 养老, 医疗 (含生育), 失业, 工伤 and 住房公积金.
Scheme = Literal["pension", "medical", "unemployment", "work_injury", "housing_fund"]
GbCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContractIn(Strict):
    kind: rules.ContractKind
    start_date: IsoDate
    end_date: IsoDate | None = None  # required for a fixed term, absent for open-ended
    probation_months: Months = 0
    signed_on: IsoDate | None = None  # defaults to the start date, or today when it starts later
    employer_name: Title  # 某某街道办事处 / 某某镇人民政府
    note: Note | None = None


class RenewalIn(Strict):
    kind: rules.ContractKind
    start_date: IsoDate | None = None  # defaults to the day after the previous one ends
    end_date: IsoDate | None = None
    probation_months: Months = 0
    signed_on: IsoDate | None = None  # as for a first contract
    # Art. 14: once entitled, a fixed term only when the worker asks for it.
    worker_requested_fixed_term: JsonBool = False
    note: Note | None = None


class EndIn(Strict):
    ended_on: IsoDate
    reason: EndReason
    note: Note | None = None


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    previous_id: uuid.UUID | None
    employer_code: str
    employer_kind: Literal["street", "township"]
    employer_name: str
    kind: rules.ContractKind
    start_date: IsoDate
    end_date: IsoDate | None
    term_months: int | None = Field(description="Completed months, end day included")
    probation_months: int
    probation_end_date: IsoDate | None
    signed_on: IsoDate
    signed_late: bool = Field(description="Signed over a month after the start (Art. 10)")
    worker_requested_fixed_term: JsonBool
    status: Literal["active", "renewed", "ended"]
    ended_on: IsoDate | None
    end_reason: EndReason | None
    reminded_on: IsoDate | None
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, c: LabourContract) -> ContractOut:
        # The employer's township code is a prefix of the community's: the law's version.
        law = rules.law_for(c.employer_code, c.start_date)
        return cls.model_validate(
            {
                **{k: getattr(c, k) for k in cls.model_fields if hasattr(c, k)},
                "term_months": rules.term_months(c.start_date, c.end_date) if c.end_date else None,
                "signed_late": rules.signed_late(law, c.start_date, c.signed_on),
            }
        )


class EntitlementOut(BaseModel):
    """What a renewal of the contract must look like (劳动合同法 Art. 14 and 19)."""

    contract_id: uuid.UUID
    renewal_start: IsoDate
    open_ended_required: bool
    reasons: list[Literal["ten_years_service", "consecutive_fixed_terms"]]
    continuous_service_since: IsoDate | None
    consecutive_fixed_terms: int
    probation_allowed: bool = Field(description="False: one probation per employer")


class EnrolmentIn(Strict):
    scheme: Scheme
    insured_place: GbCode  # the county or city whose fund collects (GB/T 2260)
    start_date: IsoDate
    end_date: IsoDate | None = None
    contribution_base: Yuan | None = None  # monthly, yuan
    note: Note | None = None


class EnrolmentEndIn(Strict):
    end_date: IsoDate


class EnrolmentOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    scheme: Scheme
    insured_place: str
    start_date: IsoDate
    end_date: IsoDate | None
    contribution_base: Decimal | None = Field(description="Yuan, a decimal string")
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, e: InsuranceEnrolment) -> EnrolmentOut:
        base = e.contribution_base_fen
        return cls.model_validate(
            {
                **{k: getattr(e, k) for k in cls.model_fields if k != "contribution_base"},
                "contribution_base": None if base is None else (Decimal(base) / 100).quantize(CENT),
            }
        )
