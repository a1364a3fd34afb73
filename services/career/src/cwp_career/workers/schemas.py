"""Worker request and response models."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from cwp_career.grading.models import GradeHistory
from cwp_career.grading.rules import parse_years
from cwp_career.grading.schemas import HistoryOut
from cwp_career.workers.models import Worker
from cwp_career.workers.rules import parse_posts
from cwp_common.events.contracts import ConcurrentPost
from cwp_common.formats import IsoDate

# Category display names per ladder id: {ladder_id: {category code: name}}.
CategoryNames = Mapping[uuid.UUID | None, Mapping[str, str]]
# Ladders whose pay coefficients are example data.
ExampleLadders = Collection[uuid.UUID | None]


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
    grade_effective_date: IsoDate | None
    next_step_date: IsoDate | None  # None at the top of the band
    # The pay coefficient is example data (not a published policy): not for payroll.
    example: bool

    @staticmethod
    def _fields(row: Worker, names: CategoryNames, examples: ExampleLadders) -> dict[str, Any]:
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
            "example": row.grade is not None and row.ladder_id in examples,
        }

    @classmethod
    def from_model(
        cls, row: Worker, names: CategoryNames, examples: ExampleLadders = ()
    ) -> WorkerSummary:
        return WorkerSummary(**cls._fields(row, names, examples))


class WorkerOut(WorkerSummary):
    position_since: IsoDate
    community_since: IsoDate
    concurrent_posts: list[ConcurrentPost]
    education: str  # 学历
    degree: str | None  # 学位
    qualification: str | None
    skill_level: str | None
    hire_date: IsoDate
    service_start_date: IsoDate
    # Service counts again from here (a move whose receiving ladder resets it).
    counted_from: IsoDate | None
    grade_floor: int | None  # a grade kept from a move (省内互认)
    uncounted_years: list[int]  # assessed years that do not count toward service years
    # The statutory retirement age is reached (the date itself would reveal the birth
    # date): service years no longer count.
    retirement_age_reached: bool
    history: list[HistoryOut]

    @classmethod
    def from_model(
        cls,
        row: Worker,
        names: CategoryNames,
        examples: ExampleLadders = (),
        history: Sequence[GradeHistory] = (),
        today: date | None = None,
    ) -> WorkerOut:
        retires = row.retirement_date
        return cls(
            **cls._fields(row, names, examples),
            position_since=row.position_since,
            community_since=row.community_since,
            concurrent_posts=[
                ConcurrentPost(position=p, since=since)  # type: ignore[arg-type]
                for p, since in parse_posts(row.concurrent_posts)
            ],
            education=row.education,
            degree=row.degree,
            counted_from=row.counted_from,
            grade_floor=row.grade_floor,
            retirement_age_reached=(retires is not None and today is not None and retires <= today),
            qualification=row.qualification,
            skill_level=row.skill_level,
            hire_date=row.hire_date,
            service_start_date=row.service_start_date,
            uncounted_years=sorted(parse_years(row.uncounted_years)),
            history=[HistoryOut.from_model(h) for h in history],
        )
