"""Event contracts: the only thing two services must agree on.

The event type is also the NATS subject: <service>.<aggregate>.<event>.v<N>.
Payloads never carry a resident ID number or a phone, and a birth date only where a
consumer needs it (see WorkerFacts).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

Position = Literal[
    "party_secretary",
    "committee_director",
    "deputy_secretary",
    "deputy_director",
    "committee_member",
    "full_time_worker",
]
Education = Literal["below_junior_college", "junior_college", "bachelor", "master", "doctorate"]
WorkerStatus = Literal["active", "on_leave", "exited"]
ExitReason = Literal["resignation", "contract_end", "dismissal", "retirement", "death", "other"]
QualificationLevel = Literal["assistant", "intermediate", "senior"]
# National occupational skill levels, lowest (五级) first.
SkillLevel = Literal["level_5", "level_4", "level_3", "level_2", "level_1"]


class EventData(BaseModel):
    """Base of every payload; `type` is the subject it is published on."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    type: ClassVar[str]


# --- registry --------------------------------------------------------------------------


class WorkerFacts(EventData):
    """What other services need to know about a worker.

    Personal data: never the resident ID number (nor its hash) and never the phone. The
    birth date is as secret as the ID number (the masked number hides exactly it) and is
    carried only because a consumer needs it: career checks ages against it (the
    retirement age at registration and at each regrade, the minimum age of elected
    committee members). A new consumer that needs no birth date must not store it; a
    new event that no consumer needs it in must not carry it.
    """

    worker_id: str
    name: str
    community_code: str
    position: Position
    employment_type: str
    education: Education
    sex: Literal["male", "female"]
    birth_date: date
    hire_date: date
    service_start_date: date
    status: WorkerStatus


class WorkerRegistered(WorkerFacts):
    type: ClassVar[str] = "registry.worker.registered.v1"


class WorkerUpdated(WorkerFacts):
    type: ClassVar[str] = "registry.worker.updated.v1"
    changed: list[str]


class WorkerTransferred(WorkerFacts):
    type: ClassVar[str] = "registry.worker.transferred.v1"
    from_community_code: str
    effective_date: date
    service_years_carried: bool  # true within a province (省内互认)


class WorkerExited(EventData):
    type: ClassVar[str] = "registry.worker.exited.v1"
    worker_id: str
    community_code: str
    reason: ExitReason
    exit_date: date


class CommunityUpserted(EventData):
    type: ClassVar[str] = "registry.community.upserted.v1"
    code: str
    name: str
    urban_rural_code: str | None
    population: int
    households: int


# --- training --------------------------------------------------------------------------


class QualificationObtained(EventData):
    type: ClassVar[str] = "training.qualification.obtained.v1"
    worker_id: str
    community_code: str
    level: QualificationLevel
    obtained_date: date
    certificate_no: str | None = None


class SkillLevelObtained(EventData):
    type: ClassVar[str] = "training.skill_level.obtained.v1"
    worker_id: str
    community_code: str
    level: SkillLevel
    obtained_date: date
    certificate_no: str | None = None


# --- career ----------------------------------------------------------------------------


class GradeAssigned(EventData):
    type: ClassVar[str] = "career.grade.assigned.v1"
    worker_id: str
    community_code: str
    jurisdiction: str
    ladder_id: str
    category: str
    grade: int
    pay_coefficient: Decimal
    effective_date: date
    reason: str


class GradeChanged(GradeAssigned):
    type: ClassVar[str] = "career.grade.changed.v1"
    previous_grade: int
    previous_category: str


class AssessmentConfirmed(EventData):
    type: ClassVar[str] = "career.assessment.confirmed.v1"
    worker_id: str
    community_code: str
    year: int
    result: str
    rank: int  # 1 is the best result in the ladder's scale
    passing: bool


class ExitRecommended(EventData):
    type: ClassVar[str] = "career.exit.recommended.v1"
    worker_id: str
    community_code: str
    reason: str
    failing_years: list[int]


# --- gateway ---------------------------------------------------------------------------

RevocationReason = Literal[
    "disabled", "roles_changed", "region_changed", "password_changed", "secret_replaced"
]


class AccountRevoked(EventData):
    """Tokens of this account issued before `not_before` must be refused at once.

    Published by the gateway when it disables an account or changes its roles, region or
    secret; consumed by every service (cwp_common.revocation) into an in-memory list that
    the token check reads. Carries the account name only: no personal data."""

    type: ClassVar[str] = "gateway.account.revoked.v1"
    subject: str  # the token's `sub`: a username or a client_id
    kind: Literal["user", "client"]  # the token's `typ`
    not_before: datetime  # UTC; tokens with an earlier `iat` are refused
    reason: RevocationReason


CONTRACTS: dict[str, type[EventData]] = {
    c.type: c
    for c in (
        WorkerRegistered,
        WorkerUpdated,
        WorkerTransferred,
        WorkerExited,
        CommunityUpserted,
        QualificationObtained,
        SkillLevelObtained,
        GradeAssigned,
        GradeChanged,
        AssessmentConfirmed,
        ExitRecommended,
        AccountRevoked,
    )
}
