"""Plan, class, enrolment and attendance requests and answers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from cwp_common.events.contracts import Position
from cwp_common.formats import IsoDate, JsonBool
from cwp_common.text import Title
from cwp_training.catalogue.schemas import Jurisdiction
from cwp_training.classes.models import Enrolment, Plan, TrainingClass
from cwp_training.compliance.rules import hours
from cwp_training.exams.schemas import Score

DecimalText = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: Jurisdiction
    year: int = Field(ge=2000, le=2100)
    title: Title


class PlanOut(PlanIn):
    id: uuid.UUID

    @classmethod
    def from_model(cls, row: Plan) -> PlanOut:
        return cls(id=row.id, jurisdiction=row.jurisdiction, year=row.year, title=row.title)


class ClassIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: uuid.UUID
    plan_id: uuid.UUID | None = None
    base_id: uuid.UUID | None = None
    jurisdiction: Jurisdiction
    title: Title
    starts_on: IsoDate
    ends_on: IsoDate
    capacity: int = Field(ge=1, le=100_000)
    scored: JsonBool = False
    trainer_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dates(self) -> ClassIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on / 结束日期早于开始日期")
        return self


class ClassOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    plan_id: uuid.UUID | None
    base_id: uuid.UUID | None
    jurisdiction: str
    title: str
    starts_on: IsoDate
    ends_on: IsoDate
    capacity: int
    scored: JsonBool
    trainer_ids: list[uuid.UUID]
    enrolled: int  # places taken (enrolled and completed)
    waitlisted: int

    @classmethod
    def from_model(cls, row: TrainingClass, counts: dict[str, int]) -> ClassOut:
        return cls(
            id=row.id,
            course_id=row.course_id,
            plan_id=row.plan_id,
            base_id=row.base_id,
            jurisdiction=row.jurisdiction,
            title=row.title,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            capacity=row.capacity,
            scored=row.scored,
            trainer_ids=[uuid.UUID(t) for t in row.trainer_ids.split(",") if t],
            enrolled=counts.get("enrolled", 0) + counts.get("completed", 0),
            waitlisted=counts.get("waitlisted", 0),
        )


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    waitlist: JsonBool = False  # when the class is full: wait for a place instead of 409


class BulkEnrolIn(BaseModel):
    """Every serving worker of a community or a street (and of a position, if given)."""

    model_config = ConfigDict(extra="forbid")

    community_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    street: str | None = Field(default=None, pattern=r"^\d{9}$")
    position: Position | None = None
    waitlist: JsonBool = False

    @model_validator(mode="after")
    def _one_place(self) -> BulkEnrolIn:
        if (self.community_code is None) == (self.street is None):
            raise ValueError("give community_code or street / 请指定社区或街道之一")
        return self


class BulkEnrolled(BaseModel):
    enrolled: int
    waitlisted: int
    already: int  # were enrolled or waiting before


class EnrolmentOut(BaseModel):
    id: uuid.UUID
    class_id: uuid.UUID
    worker_id: uuid.UUID
    status: str
    minutes_studied: int
    hours_studied: DecimalText
    score: DecimalText | None
    completed_on: IsoDate | None

    @classmethod
    def from_model(cls, row: Enrolment) -> EnrolmentOut:
        return cls(
            id=row.id,
            class_id=row.class_id,
            worker_id=row.worker_id,
            status=row.status,
            minutes_studied=row.minutes_studied,
            hours_studied=hours(row.minutes_studied),
            score=row.score,
            completed_on=row.completed_on,
        )


class AttendanceRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    day: IsoDate
    minutes: int = Field(ge=1, le=720)


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[AttendanceRow] = Field(min_length=1, max_length=5000)


class AttendanceRecorded(BaseModel):
    recorded: int


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    minutes: int = Field(ge=1, le=1440)  # studied since the last report


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    score: Score | None = None
