from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_common.formats import DecimalRange, IsoDate
from cwp_common.text import Note, Title
from cwp_registry.management.models import ConductRecord, DutyRecord, DutyRule

DutyKind = Literal["office_hours", "on_call", "night_duty", "grid_patrol", "home_visits"]
Category = Literal[
    "commendation",
    "citation",
    "merit",
    "bonus",
    "criticism",
    "admonition",
    "warning",
    "demerit",
    "dismissal",
]
Prefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,12}$")]
RequiredNote = Annotated[Note, StringConstraints(min_length=1)]


# More than 0 and at most 24, two decimals: the range stated in the schema (cwp_common.formats).
Hours = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "24",
        2,
        low_open=True,
        example="7.50",
        message="hours are more than 0 and at most 24, two decimals / 时长大于 0 且不超过 24，最多两位小数",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DutyRuleIn(Strict):
    jurisdiction: Prefix
    kind: DutyKind
    title: Title
    rule: RequiredNote  # the rule as the jurisdiction words it
    effective_from: IsoDate
    effective_to: IsoDate | None = None


class DutyRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    jurisdiction: str
    kind: DutyKind
    title: str
    rule: str
    effective_from: IsoDate
    effective_to: IsoDate | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: DutyRule) -> DutyRuleOut:
        return cls.model_validate(row)


class DutyIn(Strict):
    kind: DutyKind
    on: IsoDate
    hours: Hours
    note: Note | None = None


class DutyOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    rule_id: uuid.UUID
    kind: DutyKind
    on: IsoDate
    hours: Decimal
    note: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: DutyRecord) -> DutyOut:
        hours = (Decimal(row.minutes) / 60).quantize(Decimal("0.01"))
        fields = {k: getattr(row, k) for k in cls.model_fields if k != "hours"}
        return cls.model_validate(fields | {"hours": hours})


class ConductIn(Strict):
    kind: Literal["reward", "discipline"]
    category: Category
    decided_on: IsoDate
    authority: Title  # who decided
    reason: RequiredNote


class ConductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    kind: Literal["reward", "discipline"]
    category: Category
    decided_on: IsoDate
    authority: str
    reason: str
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: ConductRecord) -> ConductOut:
        return cls.model_validate(row)
