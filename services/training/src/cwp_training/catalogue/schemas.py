"""Catalogue requests and answers: courses, bases, trainers and ratings, resources."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    UrlConstraints,
    model_validator,
)

from cwp_common.text import Name, Note, Title
from cwp_training.catalogue.models import Course, Resource, Trainer, TrainingBase

# The abilities the Opinion names (Q&A 5), plus political and policy education.
Topic = Literal[
    "mass_work",  # 群众工作
    "mobilisation",  # 组织动员
    "rule_of_law",  # 依法办事
    "mediation",  # 矛盾调解
    "emergency_response",  # 应急处突
    "coordination",  # 协调沟通
    "information_technology",  # 信息技术应用
    "political_education",  # 思想政治教育
    "policy_education",  # 政策法规教育
]
Level = Literal["national", "provincial", "municipal", "district", "street"]  # 分级培训
Delivery = Literal["in_person", "online", "blended"]
Method = Literal["case_teaching", "simulation", "site_visit", "lecture", "workshop", "practice"]
Jurisdiction = Annotated[str, Field(pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$")]
Topics = Annotated[list[Topic], Field(min_length=1, max_length=9)]
Rating = Annotated[Decimal, PlainSerializer(str, return_type=str)]
BaseKind = Literal["training", "practice"]  # 培训基地 | 实习实践基地 (at a community)
LocationCode = Annotated[str, Field(pattern=r"^\d{9}(\d{3})?$")]  # a street or a community
Address = Annotated[Title, StringConstraints(max_length=200)]
ResourceKind = Literal["material", "case", "video"]


class Patch(BaseModel):
    """A partial change: the fields given are changed, at least one; a field that
    cannot be empty cannot be set to null."""

    model_config = ConfigDict(extra="forbid")
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change / 请至少提供一个字段")
        for name in sorted(self.model_fields_set - self.NULLABLE):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null / 不能为空")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


def pack(topics: Sequence[str]) -> str:
    """ ",a,b,": one topic is then found with LIKE '%,a,%'."""
    return "," + ",".join(sorted(set(topics))) + ","


def unpack(stored: str) -> list[str]:
    return [t for t in stored.split(",") if t]


class CourseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    level: Level
    delivery: Delivery
    method: Method
    topics: Topics
    hours: int = Field(ge=1, le=500)
    jurisdiction: Jurisdiction
    description: Note = ""


class CoursePatch(Patch):
    title: Title | None = None
    level: Level | None = None
    delivery: Delivery | None = None
    method: Method | None = None
    topics: Topics | None = None
    hours: int | None = Field(default=None, ge=1, le=500)
    jurisdiction: Jurisdiction | None = None
    description: Note | None = None


class CourseOut(CourseIn):
    id: uuid.UUID
    retired: bool  # retired courses keep their classes; no new class may use them

    @classmethod
    def from_model(cls, row: Course) -> CourseOut:
        return cls(
            id=row.id,
            title=row.title,
            level=row.level,  # type: ignore[arg-type]
            delivery=row.delivery,  # type: ignore[arg-type]
            method=row.method,  # type: ignore[arg-type]
            topics=unpack(row.topics),  # type: ignore[arg-type]
            hours=row.hours,
            jurisdiction=row.jurisdiction,
            description=row.description,
            retired=row.retired_at is not None,
        )


class BaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: BaseKind
    name: Title
    jurisdiction: Jurisdiction
    location_code: LocationCode
    address: Address | None = None
    capacity: int = Field(ge=1, le=100_000)


class BasePatch(Patch):
    NULLABLE = frozenset({"address"})

    kind: BaseKind | None = None
    name: Title | None = None
    jurisdiction: Jurisdiction | None = None
    location_code: LocationCode | None = None
    address: Address | None = None  # null clears it
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class BaseOut(BaseIn):
    id: uuid.UUID
    retired: bool

    @classmethod
    def from_model(cls, row: TrainingBase) -> BaseOut:
        return cls(
            id=row.id,
            kind=row.kind,  # type: ignore[arg-type]
            name=row.name,
            jurisdiction=row.jurisdiction,
            location_code=row.location_code,
            address=row.address or None,
            capacity=row.capacity,
            retired=row.retired_at is not None,
        )


class TrainerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    affiliation: Title  # a university, a Party school, a community ("本土能人")
    expertise: Topics
    jurisdiction: Jurisdiction


class TrainerPatch(Patch):
    name: Name | None = None
    affiliation: Title | None = None
    expertise: Topics | None = None
    jurisdiction: Jurisdiction | None = None


class TrainerOut(TrainerIn):
    id: uuid.UUID
    retired: bool
    ratings: int
    average_rating: Rating | None  # 1.00-5.00, None before the first rating

    @classmethod
    def from_model(cls, row: Trainer, ratings: int, average: Decimal | None) -> TrainerOut:
        return cls(
            id=row.id,
            name=row.name,
            affiliation=row.affiliation,
            expertise=unpack(row.expertise),  # type: ignore[arg-type]
            jurisdiction=row.jurisdiction,
            ratings=ratings,
            average_rating=average,
            retired=row.retired_at is not None,
        )


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    class_id: uuid.UUID
    worker_id: uuid.UUID
    score: int = Field(ge=1, le=5)
    comment: Note = ""


# The column holds 500; normalising (a trailing slash, punycode) may lengthen a URL a
# little, so the input stops short of it (a longer one was a 500 on PostgreSQL).
ResourceUrl = Annotated[HttpUrl, UrlConstraints(max_length=450)]


class ResourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    kind: ResourceKind
    topics: Topics
    url: ResourceUrl
    jurisdiction: Jurisdiction


class ResourcePatch(Patch):
    title: Title | None = None
    kind: ResourceKind | None = None
    topics: Topics | None = None
    url: ResourceUrl | None = None
    jurisdiction: Jurisdiction | None = None


class ResourceOut(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    topics: list[str]
    url: str
    jurisdiction: str

    @classmethod
    def from_model(cls, row: Resource) -> ResourceOut:
        return cls(
            id=row.id,
            title=row.title,
            kind=row.kind,
            topics=unpack(row.topics),
            url=row.url,
            jurisdiction=row.jurisdiction,
        )
