"""A ladder policy (岗位等级序列) as data: the one Pydantic schema for published ladders,
previews and the shipped templates.

Shape checks live here (types, ranges, names); the rules that relate fields to each other
(bands in rank order, every position covered, a coefficient for every grade, ...) are in
`ladders.rules.check_ladder`, which names every offending field at once.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from cwp_career.ladders.ranks import (
    DEGREE_ORDER,
    EDUCATION_ORDER,
    QUALIFICATION_ORDER,
    SKILL_LEVEL_ORDER,
)
from cwp_common.events.contracts import (
    Degree,
    Education,
    Position,
    QualificationLevel,
    SkillLevel,
)
from cwp_common.formats import DecimalRange, IsoDate
from cwp_common.text import Name, Note, Title

if TYPE_CHECKING:
    from cwp_career.ladders.models import LadderVersion
    from cwp_career.ladders.templates import Template

__all__ = [  # ranks, re-exported
    "DEGREE_ORDER",
    "EDUCATION_ORDER",
    "QUALIFICATION_ORDER",
    "SKILL_LEVEL_ORDER",
]

BonusRule = Literal["stack", "highest"]
POSITIONS: tuple[str, ...] = get_args(Position)  # every post a ladder must cover (a set)
# What an education bonus is keyed on: 学历 alone, 学位 alone, or both held at the same
# level (REFERENCE §2.1, Shandong Art. 21: "本科 +1, 硕士 +2, 博士 +3 grades; if only one of
# 学历/学位 is held, service years count as +1 / +3 / +5 years").
EducationBasis = Literal["education", "degree", "both"]
BonusUnit = Literal["grades", "years"]  # a bonus raises the grade or adds service years
BonusTable = Literal["education", "single_credential", "qualification", "skill_level"]
# What happens to a worker who moves into this ladder's jurisdiction (REFERENCE §1: grades
# are mutually recognised inside a province, 社区工作年限 accumulate across moves there):
# keep_grade: the grade earned stays (a floor) and service years carry;
# carry_years: service years carry and the grade is computed anew under this ladder;
# reset: service years count again from the move (only for moves from another province).
MoverRule = Literal["keep_grade", "carry_years", "reset"]
# The unit over which the share of the best result (优秀) is counted: the community, its
# street (first 9 digits of the code) or its district (first 6).
QuotaUnit = Literal["community", "street", "district"]
# Parts of a ladder that are example data rather than a published policy.
ExamplePart = Literal[
    "bands",
    "step_years",
    "education_bonus",
    "qualification_bonus",
    "skill_level_bonus",
    "pay_coefficients",
    "excellent_cap",
    "eligibility",
]

Grade = Annotated[int, Field(ge=1, le=99)]
GRADE_KEY = re.compile(r"^[1-9][0-9]?$")


def _grade_key(value: Any) -> Any:
    """A grade as an object key: JSON keys are strings, "1" to "99", as the schema's
    propertyNames says (no sign, space or leading zero)."""
    if isinstance(value, str) and not GRADE_KEY.fullmatch(value):
        raise ValueError("a grade key is 1 to 99 / 等级须为 1-99")
    return value


GradeKey = Annotated[Grade, BeforeValidator(_grade_key)]
Bonus = Annotated[int, Field(ge=0, le=30)]
# More than 0, up to 6 digits before the point and 4 after (the column's precision).
Coefficient = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "999999.9999",
        4,
        low_open=True,
        example="1.2000",
        message="a coefficient is more than 0 with at most four decimals / 系数须大于 0，最多四位小数",
    ),
]
# A share of the workers of a unit: more than 0, at most 1, up to four decimals.
ExcellentCap = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "1",
        4,
        low_open=True,
        example="0.2",
        message="a share is more than 0, at most 1, with at most four decimals / 比例须在 0-1 之间",
    ),
]
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
    # Largest share of the best result (优秀) per unit and year; None = no cap.
    excellent_cap: ExcellentCap | None = None
    # With about six workers per community a per-community cap of 20% allows nobody
    # (floor(0.2 × 6) = 1, floor(0.2 × 4) = 0): many places count it per street.
    excellent_cap_unit: QuotaUnit = "community"


class MoverRules(Strict):
    """How this ladder treats workers who move into its jurisdiction (see MoverRule)."""

    within_province: Literal["keep_grade", "carry_years"] = "keep_grade"
    from_other_province: MoverRule = "reset"


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
    # Full years in one of `positions` (main or concurrent post; a term of office), or in
    # the main post when `positions` is None.
    min_position_years: int = Field(default=0, ge=0, le=60)
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
    effective_date: IsoDate
    # Highest-ranked category first (正职, 副职, 其他).
    categories: list[Category] = Field(min_length=1, max_length=10)
    step_years: int = Field(ge=1, le=10)
    # Keyed on 学历 levels, or on the levels bachelor/master/doctorate when the basis is
    # "degree" or "both".
    education_bonus: dict[Education, Bonus] = Field(default_factory=dict)
    education_basis: EducationBasis = "education"
    # With basis "both": the bonus when only one of 学历/学位 is held at the worker's
    # highest level (the level decides; a lower level held twice does not add).
    single_credential_bonus: dict[Degree, Bonus] = Field(default_factory=dict)
    qualification_bonus: dict[QualificationLevel, Bonus] = Field(default_factory=dict)
    skill_level_bonus: dict[SkillLevel, Bonus] = Field(default_factory=dict)
    # Each table's unit; "grades" unless listed.
    bonus_units: dict[BonusTable, BonusUnit] = Field(default_factory=dict)
    # "stack" (REFERENCE §2.1 formula: grade = band min + steps + edu_bonus + cert_bonus):
    # the tables' bonuses are added; "highest" (就高不叠加, 呼和浩特): only the largest
    # grade bonus and the largest service-year bonus count.
    bonus_rule: BonusRule
    pay_coefficients: dict[GradeKey, Coefficient] = Field(
        json_schema_extra={"propertyNames": {"pattern": GRADE_KEY.pattern}}
    )
    assessment: AssessmentScale
    exit_rule: ExitRule = ExitRule()
    eligibility: dict[Slug, Criterion] = Field(default_factory=dict)
    movers: MoverRules = MoverRules()
    # Which parts are example data: grade events and answers carrying them say
    # `example: true`, and payroll does not pay on example coefficients.
    examples: list[ExamplePart] = Field(default_factory=list)
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
    as_of: IsoDate
    workers: int
    affected: int  # workers for whom this ladder would be the one in force
    up: int
    down: int
    unchanged: int
    moves: list[Move]
