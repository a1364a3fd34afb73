"""Worker request and response models."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from cwp_career.grading.schemas import HistoryOut
from cwp_common.events.contracts import SkillLevel


class WorkerSummary(BaseModel):
    worker_id: uuid.UUID
    name: str
    community_code: str
    position: str
    status: str
    category: str | None
    category_name: str | None
    grade: int | None
    pay_coefficient: Decimal | None
    ladder_id: uuid.UUID | None
    grade_effective_date: date | None
    next_step_date: date | None  # None at the top of the band


class WorkerOut(WorkerSummary):
    position_since: date
    community_since: date
    education: str
    qualification: str | None
    skill_level: str | None
    hire_date: date
    service_start_date: date
    uncounted_years: list[int]  # assessed years that do not count toward service years
    history: list[HistoryOut]


class SkillLevelIn(BaseModel):
    """A national occupational skill level (五级 level_5 ... 一级 level_1). Entered here
    until the training service publishes them as events."""

    model_config = ConfigDict(extra="forbid")

    level: SkillLevel
    obtained_date: date
    certificate_no: str | None = Field(default=None, max_length=64)
