"""Worker request and response models."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_career.grading.models import GradeHistory
from cwp_career.grading.rules import parse_years
from cwp_career.grading.schemas import HistoryOut
from cwp_career.workers.models import Worker
from cwp_common.events.contracts import SkillLevel
from cwp_common.text import Name

# Category display names per ladder id: {ladder_id: {category code: name}}.
CategoryNames = Mapping[uuid.UUID | None, Mapping[str, str]]


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

    @staticmethod
    def _fields(row: Worker, names: CategoryNames) -> dict[str, Any]:
        return {
            "worker_id": row.worker_id,
            "name": row.name,
            "community_code": row.community_code,
            "position": row.position,
            "status": row.status,
            "category": row.category,
            "category_name": names.get(row.ladder_id, {}).get(row.category or ""),
            "grade": row.grade,
            "pay_coefficient": row.pay_coefficient,
            "ladder_id": row.ladder_id,
            "grade_effective_date": row.grade_effective_date,
            "next_step_date": row.next_step_date,
        }

    @classmethod
    def from_model(cls, row: Worker, names: CategoryNames) -> WorkerSummary:
        return WorkerSummary(**cls._fields(row, names))


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

    @classmethod
    def from_model(
        cls, row: Worker, names: CategoryNames, history: Sequence[GradeHistory] = ()
    ) -> WorkerOut:
        return cls(
            **cls._fields(row, names),
            position_since=row.position_since,
            community_since=row.community_since,
            education=row.education,
            qualification=row.qualification,
            skill_level=row.skill_level,
            hire_date=row.hire_date,
            service_start_date=row.service_start_date,
            uncounted_years=sorted(parse_years(row.uncounted_years)),
            history=[HistoryOut.from_model(h) for h in history],
        )


class SkillLevelIn(BaseModel):
    """A national occupational skill level (五级 level_5 ... 一级 level_1). Entered here
    until the training service publishes them as events."""

    model_config = ConfigDict(extra="forbid")

    level: SkillLevel
    obtained_date: date
    certificate_no: Annotated[Name, StringConstraints(max_length=64)] | None = None
