from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from cwp_common.auth import Principal
from cwp_common.events.contracts import Degree, Education, EmploymentType, Position
from cwp_common.formats import DecimalRange, IsoDate, JsonBool
from cwp_common.text import Name, Note, Title
from cwp_registry.contracts.schemas import ContractIn
from cwp_registry.pii import PiiCipher
from cwp_registry.recruitment.models import (
    Application,
    ApplicationStep,
    RecruitmentPost,
    RecruitmentRound,
)
from cwp_registry.recruitment.rules import State, Step
from cwp_registry.workers.rules import mask_id_number, mask_phone
from cwp_registry.workers.schemas import Phone, PoliticalStatus, RawCode, RawIdNumber

CENT = Decimal("0.01")
Score = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "100",
        2,
        example="85.50",
        message="a score is 0 to 100 with at most two decimals / 分数为 0-100，最多两位小数",
    ),
    AfterValidator(lambda d: d.quantize(CENT)),
]
Prefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,12}$")]
RequiredNote = Annotated[Note, StringConstraints(min_length=1)]


def hundredths(score: Decimal) -> int:
    return int(score * 100)


def points(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(CENT)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conditions(Strict):
    """Selection conditions (选聘条件) as data; a condition left out is not required."""

    age_min: int | None = Field(default=None, ge=16, le=70)  # 16: the legal working age
    age_max: int | None = Field(default=None, ge=16, le=70)
    age_on: IsoDate | None = None  # the day ages are taken on; default: end of the window
    education_min: Education | None = None
    residence_prefixes: list[Prefix] | None = Field(default=None, max_length=20)
    political_statuses: list[PoliticalStatus] | None = Field(default=None, max_length=6)
    experience_years_min: int | None = Field(default=None, ge=0, le=40)

    @model_validator(mode="after")
    def _age_order(self) -> Self:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min is above age_max")
        return self


class PostIn(Strict):
    community_code: RawCode
    position: Position
    quota: int = Field(ge=1, le=100)
    conditions: Conditions | None = None


class RoundIn(Strict):
    jurisdiction: Prefix  # the organising region: a district, a street, ...
    year: int = Field(ge=2000, le=2100)
    title: Title
    conditions: Conditions = Field(default_factory=Conditions)
    written_weight_pct: int = Field(default=50, ge=0, le=100)
    written_pass_mark: Score | None = None
    publicity_working_days: int = Field(default=5, ge=1, le=30)
    apply_from: IsoDate
    apply_until: IsoDate
    posts: list[PostIn] = Field(min_length=1, max_length=200)


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    position: Position
    quota: int
    conditions: dict[str, Any] | None


class RoundOut(BaseModel):
    id: uuid.UUID
    jurisdiction: str
    year: int
    title: str
    conditions: dict[str, Any]
    written_weight_pct: int
    written_pass_mark: Decimal | None
    publicity_working_days: int
    apply_from: IsoDate
    apply_until: IsoDate
    status: Literal["draft", "announced"]
    announced_on: IsoDate | None
    posts: list[PostOut]
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, r: RecruitmentRound, posts: list[RecruitmentPost]) -> RoundOut:
        return cls.model_validate(
            {
                **{k: getattr(r, k) for k in cls.model_fields if k not in {"posts"}},
                "written_pass_mark": points(r.written_pass_mark),
                "posts": [PostOut.model_validate(p) for p in posts],
            }
        )


class PublicRoundOut(BaseModel):
    """A round as its public announcement shows it: no staff names, no applications."""

    id: uuid.UUID
    jurisdiction: str
    year: int
    title: str
    conditions: dict[str, Any]
    written_weight_pct: int
    publicity_working_days: int
    apply_from: IsoDate
    apply_until: IsoDate
    posts: list[PostOut]

    @classmethod
    def from_model(cls, r: RecruitmentRound, posts: list[RecruitmentPost]) -> PublicRoundOut:
        return cls.model_validate(
            {
                **{k: getattr(r, k) for k in cls.model_fields if k != "posts"},
                "posts": [PostOut.model_validate(p) for p in posts],
            }
        )


class ApplicantIn(Strict):
    """What an applicant fills in on the mobile app (the public path)."""

    post_id: uuid.UUID
    name: Name
    id_number: RawIdNumber
    phone: Phone | None = None
    education: Education
    degree: Degree | None = None
    political_status: PoliticalStatus
    residence_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,12}$")] | None = None
    experience_years: int | None = Field(default=None, ge=0, le=60)


class ApplicationIn(ApplicantIn):
    """An application entered by staff (or relayed by them from the mobile app)."""

    channel: Literal["staff", "mobile"] = "staff"


class StatusIn(Strict):
    """The applicant's own ID number, which proves the application is theirs."""

    id_number: RawIdNumber


# --- steps (one endpoint, the body says which) ------------------------------------------


class ReviewIn(Strict):
    step: Literal["qualification_review"]
    decision: Literal["qualified", "disqualified"] | None = None
    note: Note | None = None


class ScoreIn(Strict):
    step: Literal["written_exam", "interview"]
    score: Score
    on: IsoDate | None = None
    note: Note | None = None


class VerdictIn(Strict):
    step: Literal["political_review", "health_check"]
    passed: JsonBool
    on: IsoDate | None = None
    note: Note | None = None


class PublicityIn(Strict):
    step: Literal["publicity"]
    start_date: IsoDate
    note: Note | None = None


class ObjectionIn(Strict):
    step: Literal["objection"]
    note: RequiredNote
    on: IsoDate | None = None


class ResolutionIn(Strict):
    step: Literal["objection_resolution"]
    upheld: JsonBool
    note: RequiredNote


class PlainStepIn(Strict):
    step: Literal["publicity_end", "withdrawal"]
    note: Note | None = None


StepIn = Annotated[
    ReviewIn | ScoreIn | VerdictIn | PublicityIn | ObjectionIn | ResolutionIn | PlainStepIn,
    Field(discriminator="step"),
]


class HireIn(Strict):
    hire_date: IsoDate
    employment_type: EmploymentType = "labour_contract"
    contract: ContractIn | None = None  # required for contract staff


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    step: Step
    outcome: str
    details: dict[str, Any]
    on: IsoDate
    note: str | None
    decided_by: str
    decided_at: datetime


class CheckOut(BaseModel):
    condition: str
    met: bool | None = Field(
        description="None: undecided by the data, or (age) hidden without the pii role"
    )


_PERSONAL = frozenset({"id_number", "birth_date", "phone", "checks"})


class ApplicationOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    post_id: uuid.UUID
    community_code: str
    name: str
    id_number: str = Field(description="Masked without the pii role")
    sex: Literal["male", "female"]
    birth_date: IsoDate | None = Field(description="Hidden without the pii role")
    phone: str | None = Field(description="Masked without the pii role")
    education: Education
    degree: Degree | None
    political_status: PoliticalStatus
    residence_code: str | None
    experience_years: int | None
    channel: Literal["staff", "mobile"]
    state: State
    checks: list[CheckOut]
    written_score: Decimal | None
    interview_score: Decimal | None
    total_score: Decimal | None
    rank: int | None
    publicity_start: IsoDate | None
    publicity_end: IsoDate | None
    open_objections: int
    worker_id: uuid.UUID | None
    contract_id: uuid.UUID | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    steps: list[StepOut] | None = None

    @classmethod
    def from_model(
        cls,
        a: Application,
        pii: PiiCipher,
        principal: Principal,
        steps: list[ApplicationStep] | None = None,
    ) -> ApplicationOut:
        """Personal data as the workers' is shown: the full ID number, birth date and
        phone only with `pii`; without it the age check's result is hidden too, since
        it narrows the birth date."""
        number = pii.decrypt(a.id_number_cipher, a.id.bytes)
        full = principal.sees_pii
        scores = {"written_score", "interview_score", "total_score"}
        plain = {
            k: getattr(a, k)
            for k in cls.model_fields
            if k not in _PERSONAL and k not in scores and k != "steps"
        }
        return cls.model_validate(
            {
                **plain,
                **{k: points(getattr(a, k)) for k in scores},
                "id_number": number if full else mask_id_number(number),
                "birth_date": a.birth_date if full else None,
                "phone": a.phone if full or a.phone is None else mask_phone(a.phone),
                "checks": [
                    {**c, "met": c["met"] if full or c["condition"] != "age" else None}
                    for c in a.checks
                ],
                "steps": None if steps is None else [StepOut.model_validate(s) for s in steps],
            }
        )


class ReceiptOut(BaseModel):
    """What the applicant sees of their own application: where it stands, with the
    reasons of the qualification review and their scores; none of their personal data is
    echoed (they typed it, and the answer may sit in a phone's history)."""

    id: uuid.UUID
    round_id: uuid.UUID
    post_id: uuid.UUID
    community_code: str
    state: State
    checks: list[CheckOut]
    written_score: Decimal | None
    interview_score: Decimal | None
    total_score: Decimal | None
    rank: int | None
    publicity_start: IsoDate | None
    publicity_end: IsoDate | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, a: Application) -> ReceiptOut:
        scores = {"written_score", "interview_score", "total_score"}
        return cls.model_validate(
            {
                **{k: getattr(a, k) for k in cls.model_fields if k not in scores},
                **{k: points(getattr(a, k)) for k in scores},
            }
        )


class RankingOut(BaseModel):
    round_id: uuid.UUID
    ranked: int
    shortlisted: int
