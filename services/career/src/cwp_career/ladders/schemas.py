"""A ladder policy (岗位等级序列) as data: the one Pydantic schema for published ladders,
previews and the shipped templates.

Shape checks live here (types, ranges, names); the rules that relate fields to each other
(bands in rank order, every position covered, a coefficient for every grade, ...) are in
`ladders.rules.check_ladder`, which names every offending field at once.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cwp_career.ladders.ranks import EDUCATION_ORDER, QUALIFICATION_ORDER, SKILL_LEVEL_ORDER
from cwp_common.events.contracts import Education, Position, QualificationLevel, SkillLevel
from cwp_common.text import Name, Note, Title

if TYPE_CHECKING:
    from cwp_career.ladders.models import LadderVersion
    from cwp_career.ladders.templates import Template

__all__ = ["EDUCATION_ORDER", "QUALIFICATION_ORDER", "SKILL_LEVEL_ORDER"]  # ranks, re-exported

BonusRule = Literal["stack", "highest"]
POSITIONS: tuple[str, ...] = get_args(Position)  # every post a ladder must cover (a set)

Grade = Annotated[int, Field(ge=1, le=99)]
Bonus = Annotated[int, Field(ge=0, le=30)]
Coefficient = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
ResultName = Annotated[Name, StringConstraints(max_length=20)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(Strict):
    min: Grade
    max: Grade


class Category(Strict):
    code: Slug  # stable id used in events and filters, e.g. "principal"
    name: Annotated[Name, StringConstraints(max_length=40)]  # e.g. 正职
    positions: list[Position] = Field(min_length=1)
    band: Band


class AssessmentScale(Strict):
    """Result names best first. `passing` must be the best results (a prefix of the
    order); `counted` lists the results whose year counts toward service years."""

    results: list[ResultName] = Field(min_length=2, max_length=10)
    passing: list[ResultName] = Field(min_length=1)
    counted: list[ResultName]
    # Largest share of the best result (优秀) per community and year; None = no cap.
    excellent_cap: Decimal | None = Field(default=None, gt=0, le=1, decimal_places=4)


class ExitRule(Strict):
    # N consecutive failing (not passing) years produce an exit recommendation.
    consecutive_failing_years: int | None = Field(default=2, ge=1, le=10)


class AssessmentRequirement(Strict):
    last_years: int = Field(ge=1, le=10)  # the N calendar years before the as-of year
    results: list[ResultName] = Field(min_length=1)  # each of them must be one of these


class Criterion(Strict):
    """One career path's entry conditions (事业编/公务员招录, 特聘导师, ...), evaluated by
    `eligibility.rules.evaluate`."""

    title: Annotated[Title, StringConstraints(max_length=80)]
    positions: list[Position] | None = None  # None: any position
    min_service_years: int = Field(default=0, ge=0, le=60)  # counted service years
    min_community_years: int = Field(default=0, ge=0, le=60)  # consecutive, this community
    min_position_years: int = Field(default=0, ge=0, le=60)  # in the current post (a term)
    min_education: Education | None = None
    min_qualification: QualificationLevel | None = None
    min_skill_level: SkillLevel | None = None
    assessments: AssessmentRequirement | None = None


class LadderBody(Strict):
    """What an administrator publishes (POST /ladders) and what a template holds."""

    name: Annotated[Title, StringConstraints(max_length=100)]
    scheme: Annotated[Name, StringConstraints(max_length=40)] = ""  # e.g. 三岗十八级
    # Province (2 digits) or prefecture (4 digits) prefix of the division code; "" = national.
    jurisdiction: str = Field(pattern=r"^(\d{2}|\d{4})?$")
    effective_date: date
    # Highest-ranked category first (正职, 副职, 其他).
    categories: list[Category] = Field(min_length=1, max_length=10)
    step_years: int = Field(ge=1, le=10)
    education_bonus: dict[Education, Bonus] = Field(default_factory=dict)
    qualification_bonus: dict[QualificationLevel, Bonus] = Field(default_factory=dict)
    skill_level_bonus: dict[SkillLevel, Bonus] = Field(default_factory=dict)
    # "stack": education + qualification + skill-level bonuses are added;
    # "highest" (就高不叠加): only the largest of the three counts.
    bonus_rule: BonusRule
    pay_coefficients: dict[Grade, Coefficient]
    assessment: AssessmentScale
    exit_rule: ExitRule = ExitRule()
    eligibility: dict[Slug, Criterion] = Field(default_factory=dict)
    note: Note = ""


class LadderOut(LadderBody):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    builtin: bool = False  # the shipped national fallback, not a published row
    published_at: datetime | None = None
    published_by: str | None = None

    @classmethod
    def from_model(cls, row: LadderVersion) -> LadderOut:
        return cls.model_validate(
            {
                **row.body,
                "id": row.id,
                "published_at": row.published_at,
                "published_by": row.published_by,
            }
        )

    @classmethod
    def from_template(cls, template: Template) -> LadderOut:
        return cls.model_validate(
            {**template.body.model_dump(), "id": template.ladder.id, "builtin": True}
        )


class PublishedLadder(LadderOut):
    regrade_job_id: uuid.UUID | None = None  # set when the ladder is already in force

    @classmethod
    def from_model(cls, row: LadderVersion, job_id: uuid.UUID | None = None) -> PublishedLadder:
        return cls.model_validate(
            {**LadderOut.from_model(row).model_dump(), "regrade_job_id": job_id}
        )


class TemplateOut(BaseModel):
    name: str
    description: str
    national_fallback: bool
    ladder: LadderBody

    @classmethod
    def from_model(cls, t: Template) -> TemplateOut:
        return cls(
            name=t.name,
            description=t.description,
            national_fallback=t.national_fallback,
            ladder=t.body,
        )


class Move(BaseModel):
    from_category: str
    from_grade: int
    to_category: str
    to_grade: int
    count: int


class PreviewOut(BaseModel):
    """Each worker's grade under the ladders in force on `as_of` (from) against the grade
    if the previewed version were published too (to)."""

    jurisdiction: str
    as_of: date
    workers: int
    affected: int  # workers for whom this ladder would be the one in force
    up: int
    down: int
    unchanged: int
    moves: list[Move]
