"""Grading request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cwp_career.grading.models import GradeHistory, RegradeJob
from cwp_common.formats import IsoDate


class RegradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Division-code prefix to re-grade; defaults to the caller's whole region.
    jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{0,12}$")
    # An ISO date string, as the schema says; never a number of seconds.
    as_of: IsoDate | None = None  # defaults to today (China time)


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    jurisdiction: str
    as_of: IsoDate
    reason: str
    ladder_id: uuid.UUID | None
    status: str
    examined: int
    changed: int  # grade changes written (history rows and events)
    requested_by: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_model(cls, row: RegradeJob) -> JobOut:
        return cls.model_validate(row)


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_category: str | None
    from_grade: int | None
    to_category: str
    to_grade: int
    pay_coefficient: Decimal
    effective_date: IsoDate
    reason: str
    ladder_id: uuid.UUID
    community_code: str
    inputs: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_model(cls, row: GradeHistory) -> HistoryOut:
        return cls.model_validate(row)
