"""The shape of training policy data (policy.json): one document per jurisdiction and
effective date; each section is optional and a more specific jurisdiction overrides
the sections it names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cwp_common.events.contracts import Education, Position, QualificationLevel, SkillLevel
from cwp_common.formats import IsoDate

Period = Literal["yearly", "three_year"]
SECTIONS = (
    "exam",
    "regional_lines",
    "continuing_education",
    "pre_service",
    "requirements",
    "skill_recognition",
)


class Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    source: str = Field(default="", alias="_source")


class Eligibility(Data):
    """Who may sit a level's exam: at least `min_education`, and `years` of social work
    after obtaining `after_level`, counted to 31 December of the exam year."""

    min_education: Education
    after_level: QualificationLevel
    years: int = Field(ge=0, le=30)


class LevelExam(Data):
    subjects: tuple[str, ...] = Field(min_length=1)
    window_years: int = Field(ge=1, le=5)  # exam years in which all subjects must be passed
    review_within_years: int | None = Field(default=None, ge=1, le=10)  # senior: 考评结合
    eligibility: Eligibility | None = None


class ExamRules(Data):
    pass_mark: int = Field(ge=0, le=100)
    levels: dict[QualificationLevel, LevelExam]


class RegionalLine(Data):
    prefix: str = Field(pattern=r"^\d{2,12}$")
    pass_mark: int = Field(ge=0, le=100)


class RegionalLines(Data):
    lines: tuple[RegionalLine, ...] = ()


class ContinuingEducation(Data):
    period_years: int = Field(ge=1, le=10)
    hours: dict[QualificationLevel, int]


# Which transfers into the jurisdiction owe pre-service training again: none, those
# from another province / prefecture / county, or every transfer.
OnTransfer = Literal["never", "other_province", "other_prefecture", "other_county", "always"]


class PreService(Data):
    hours: int = Field(ge=1, le=1000)
    within_days: int = Field(ge=1, le=730)
    on_transfer: OnTransfer = "never"


class RequirementRule(Data):
    position: Position | None = None  # None: every position without a rule of its own
    period: Period
    hours: int = Field(ge=1, le=1000)


class Requirements(Data):
    rules: tuple[RequirementRule, ...] = ()
    cycle_start_year: int = Field(default=2024, ge=2000, le=2100)  # three-year cycles from here


class RecognitionPair(Data):
    ability_level: str = Field(min_length=1, max_length=32)
    skill_level: SkillLevel


class SkillRecognition(Data):
    pairs: tuple[RecognitionPair, ...] = ()


class PolicyDocument(Data):
    jurisdiction: str = Field(pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$")
    effective_from: IsoDate
    examples: tuple[str, ...] = ()
    exam: ExamRules | None = None
    regional_lines: RegionalLines | None = None
    continuing_education: ContinuingEducation | None = None
    pre_service: PreService | None = None
    requirements: Requirements | None = None
    skill_recognition: SkillRecognition | None = None


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    policies: tuple[PolicyDocument, ...]


class PolicyOut(BaseModel):
    """The policy in force for a jurisdiction on a day, each section from the most
    specific document that has it; `examples` names the sections that are example data."""

    jurisdiction: str
    on: IsoDate
    exam: ExamRules
    regional_lines: RegionalLines
    continuing_education: ContinuingEducation
    pre_service: PreService
    requirements: Requirements
    skill_recognition: SkillRecognition
    examples: list[str]
    sources: dict[str, str]  # section -> jurisdiction of the document it came from
