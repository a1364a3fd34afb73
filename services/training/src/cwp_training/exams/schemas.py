"""Exam result requests and answers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from cwp_common.events.contracts import QualificationLevel
from cwp_common.formats import DecimalRange, IsoDate
from cwp_training.exams.models import ExamResult
from cwp_training.qualifications.schemas import QualificationOut

Score = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "100",
        1,
        example="85.5",
        message="a score is 0 to 100 with at most one decimal / 分数为 0-100，最多一位小数",
    ),
]


class ExamResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    level: QualificationLevel
    subject: str = Field(pattern=r"^[a-z_]{1,40}$")
    exam_date: IsoDate
    score: Score


class ExamResultOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    level: str
    subject: str
    exam_date: IsoDate
    score: Annotated[Decimal, PlainSerializer(str, return_type=str)]
    pass_mark: int
    passed: bool

    @classmethod
    def from_model(cls, row: ExamResult) -> ExamResultOut:
        return cls(
            id=row.id,
            worker_id=row.worker_id,
            level=row.level,
            subject=row.subject,
            exam_date=row.exam_date,
            score=row.score,
            pass_mark=row.pass_mark,
            passed=row.passed,
        )


class ExamRecorded(BaseModel):
    result: ExamResultOut
    # The level granted by this result (the rule is now met), or None.
    qualification: QualificationOut | None
