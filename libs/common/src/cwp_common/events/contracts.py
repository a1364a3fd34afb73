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

from cwp_common.formats import IsoDate

# The Literals below name the values producer and consumers agree on; their order carries
# no meaning. A consumer that ranks them (career: "at least a bachelor's", the highest
# skill level held) writes its own ordered table (cwp_career.ladders.ranks).
Position = Literal[
    "party_secretary",
    "committee_director",
    "deputy_secretary",
    "deputy_director",
    "committee_member",
    # 社区党组织委员: an ordinary member of the community Party organisation's committee
    # (neither secretary nor deputy), appointed under Party rules like them.
    "party_committee_member",
    "full_time_worker",
]
# Positions whose holders are elected to the residents' committee (居委会), by residents
# aged 18 and over (居民委员会组织法): the minimum age of the post.
ELECTED_COMMITTEE_POSITIONS: frozenset[str] = frozenset(
    {"committee_director", "deputy_director", "committee_member"}
)
# Party posts (社区党组织): appointed and removed under Party rules.
PARTY_POSITIONS: frozenset[str] = frozenset(
    {"party_secretary", "deputy_secretary", "party_committee_member"}
)
# 学历 (education level completed), lowest first.
Education = Literal["below_junior_college", "junior_college", "bachelor", "master", "doctorate"]
# 学位 (degree awarded), recorded apart from 学历: one can be held without the other, and
# some ladders (山东 Art. 21) treat "only one of the two" differently from both.
Degree = Literal["bachelor", "master", "doctorate"]
WorkerStatus = Literal["active", "on_leave", "exited"]
# Who a community worker is, by the footing they serve on (the Opinion's 人员范围, Q&A 4):
# labour_contract: 专职社区工作者 with a labour contract signed with the street or town;
# elected: a residents' committee member serving by election, without a labour contract;
# party_organisation: a member of the community Party organisation serving without one;
# civil_servant / public_institution: staff of that status, excepted from the contract.
EmploymentType = Literal[
    "labour_contract", "elected", "party_organisation", "civil_servant", "public_institution"
]
# The only footing that carries a labour contract (and so contracts, probation, renewals,
# social-insurance enrolment through the employer).
CONTRACT_EMPLOYMENT_TYPES: frozenset[str] = frozenset({"labour_contract"})
# The bodies whose posts are held for a term of office: the residents' committee
# (居民委员会) and the community Party organisation (社区党组织).
TermBody = Literal["residents_committee", "party_organisation"]
# Why a term ended: completed (served to the next election, 换届), post_changed (left the
# post mid-term), transferred (moved to another community), exited (left the workforce).
TermEndReason = Literal["completed", "post_changed", "transferred", "exited"]
# Why a worker left (分类完善退出机制, 2024 Opinion part 7): each category of worker has its
# own ways out. Contract staff: contract_end, resignation, dismissal. Elected committee
# members: resignation, recalled (罢免), not_reelected (换届未当选). Party posts:
# party_removal (按党内规定免职). Anyone: to_civil_service (考录公务员),
# to_institution (招聘进入事业单位, a public institution), retirement, death, other.
# (At most 16 characters: the registry's column.)
ExitReason = Literal[
    "contract_end",
    "resignation",
    "dismissal",
    "recalled",
    "not_reelected",
    "party_removal",
    "to_civil_service",
    "to_institution",
    "retirement",
    "death",
    "other",
]
QualificationLevel = Literal["assistant", "intermediate", "senior"]
# National occupational skill levels: 五级 level_5 ... 一级 level_1.
SkillLevel = Literal["level_5", "level_4", "level_3", "level_2", "level_1"]


class EventData(BaseModel):
    """Base of every payload; `type` is the subject it is published on."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    type: ClassVar[str]


# --- registry --------------------------------------------------------------------------


class ConcurrentPost(BaseModel):
    """A post held besides the main one (书记兼主任, 交叉任职) and since when."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    position: Position
    since: IsoDate  # also the registry's input: a number is no date


class WorkerFacts(EventData):
    """What other services need to know about a worker.

    Personal data: never the resident ID number (nor its hash) and never the phone. The
    birth date is as secret as the ID number (the masked number hides exactly it) and is
    carried only because a consumer needs it: the registry checks the minimum age of
    elected committee members and the retirement age at registration; career checks the
    retirement age at each regrade through `retirement_date`, which is derived from the
    birth date and so just as secret (kept, never shown). A new consumer that needs no
    birth date must not store it; a new event that no consumer needs it in must not
    carry it.

    Fields added after v1 have defaults, so events staged before them still parse:
    degree None (no 学位 recorded), position_since None (unknown: consumers fall back to
    their own record), no concurrent posts, retirement_date None (not computed).
    """

    worker_id: str
    name: str
    community_code: str
    position: Position
    # One of EmploymentType; kept a plain string so events staged before the elected and
    # party_organisation types (and consumers' own test data) still parse.
    employment_type: str
    education: Education
    sex: Literal["male", "female"]
    birth_date: date
    hire_date: date
    service_start_date: date
    status: WorkerStatus
    degree: Degree | None = None
    position_since: date | None = None  # when the current main post began
    concurrent_posts: list[ConcurrentPost] = []
    # The day the worker reaches the statutory retirement age (registry's rule, dated
    # data). Derived from the birth date: consumers keep it and never show it.
    retirement_date: date | None = None


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
    """Also sent when a code is withdrawn (valid_to set) or reused by a new community
    (a new name and valid_from): division codes are withdrawn and reused (REFERENCE
    §6.1), so a consumer keys its copy by code and dates, not by code alone."""

    type: ClassVar[str] = "registry.community.upserted.v1"
    code: str
    name: str
    urban_rural_code: str | None
    population: int
    households: int
    valid_from: date | None = None  # None: in use since before the registry knew it
    valid_to: date | None = None  # last day in use; None while current


class TermOfOffice(EventData):
    """A term of office in an elected post (居委会 or 社区党组织, 5 years since 2018).
    No personal data: the worker id, the post and its dates."""

    worker_id: str
    community_code: str
    position: Position
    body: TermBody
    term_start: date
    due_end: date  # when the next election falls due


class TermStarted(TermOfOffice):
    type: ClassVar[str] = "registry.term.started.v1"


class TermEnded(TermOfOffice):
    """`full_term` is true when the term ran to its election (what 2024 Opinion art. 13's
    "at least one full term as secretary" counts)."""

    type: ClassVar[str] = "registry.term.ended.v1"
    ended_on: date
    reason: TermEndReason
    full_term: bool


class ContractExpiring(EventData):
    """A worker's fixed-term labour contract ends within the reminder period (30 days by
    default): time to renew it or to give notice. `open_ended_required` says whether a
    renewal must be open-ended (劳动合同法 Art. 14) unless the worker asks otherwise."""

    type: ClassVar[str] = "registry.contract.expiring.v1"
    contract_id: str
    worker_id: str
    community_code: str
    end_date: date
    days_left: int
    open_ended_required: bool


ContractKind = Literal["fixed_term", "open_ended"]
ContractEndReason = Literal[
    "expired", "mutual_agreement", "worker_resigned", "dismissed", "worker_exited", "other"
]


class ContractFacts(EventData):
    """A labour contract as signed (with the street or town, `employer_code` its 9-digit
    division code): kind, term and probation. No personal data. Payroll and provincial
    systems learn from these who is under contract and on probation, and from when to when."""

    contract_id: str
    worker_id: str
    community_code: str
    employer_code: str
    kind: ContractKind
    start_date: date
    end_date: date | None  # None: open-ended
    probation_end_date: date | None


class ContractSigned(ContractFacts):
    """A first contract (a direct signature, or with hiring from a recruitment round)."""

    type: ClassVar[str] = "registry.contract.signed.v1"


class ContractRenewed(ContractFacts):
    """A contract continuing `previous_contract_id`. `converted_to_open_ended`: the
    previous one was fixed-term and this one is open-ended (劳动合同法 Art. 14)."""

    type: ClassVar[str] = "registry.contract.renewed.v1"
    previous_contract_id: str
    converted_to_open_ended: bool


class ContractEnded(EventData):
    """A contract ended on `ended_on` (its last day) and was not renewed: after it the
    worker serves without a labour contract (or, reason worker_exited, has left)."""

    type: ClassVar[str] = "registry.contract.ended.v1"
    contract_id: str
    worker_id: str
    community_code: str
    ended_on: date
    reason: ContractEndReason


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


class RequirementShortfall(EventData):
    """A worker's training period nears its end (or has ended) with hours still due.
    `kind`: yearly | three_year (jurisdiction requirements), pre_service,
    continuing_education (a social-work registration period). Hours are decimals."""

    type: ClassVar[str] = "training.requirement.shortfall.v1"
    worker_id: str
    community_code: str
    kind: str
    period_start: date
    period_end: date
    hours_due: Decimal
    hours_done: Decimal
    shortfall: Decimal


# --- career ----------------------------------------------------------------------------


class GradeAssigned(EventData):
    """A worker's grade and the pay coefficient of that grade under a ladder.

    `example` is true when the ladder's pay coefficients are example data (the shipped
    national fallback's, or a template published unchanged) rather than a jurisdiction's
    published policy. Payroll must refuse to pay on a grade whose `example` is true,
    except in the demo region it is configured with: an example coefficient is never a
    wage."""

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
    example: bool = False


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
    """`tracks` says which procedures apply (a person may hold posts of several kinds):
    contract (labour contract ended), elected (asked to resign, else recalled),
    party (handled under Party rules), staff (civil servant or public-institution
    employee: under that status's own rules)."""

    type: ClassVar[str] = "career.exit.recommended.v1"
    worker_id: str
    community_code: str
    reason: str
    failing_years: list[int]
    tracks: list[str] = []


# --- payroll ---------------------------------------------------------------------------


class PayrollRunFacts(EventData):
    """A payroll run's totals. Money as exact decimals (JSON strings), never floats;
    no worker is named: the payslips stay in payroll."""

    run_id: str
    jurisdiction: str
    period: str  # "YYYY-MM"
    attempt: int
    payslips: int
    failures: int
    gross: Decimal
    net: Decimal
    tax: Decimal
    employer_cost: Decimal


class PayrollRunCompleted(PayrollRunFacts):
    """Every chunk of the run is computed (the run may still be rerun while a draft)."""

    type: ClassVar[str] = "payroll.run.completed.v1"


class PayrollRunLocked(PayrollRunFacts):
    """The run is locked: its payslips never change again."""

    type: ClassVar[str] = "payroll.run.locked.v1"
    locked_by: str


class PayrollBenchmarkBreached(EventData):
    """Workers of a region earned less than the floor its pay benchmark sets
    (薪酬水平对标), for a year."""

    type: ClassVar[str] = "payroll.benchmark.breached.v1"
    region: str
    jurisdiction: str
    year: int
    workers: int
    below_floor: int
    floor: Decimal  # the region's average annual floor
    average_pay: Decimal


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
        ContractExpiring,
        TermStarted,
        TermEnded,
        QualificationObtained,
        SkillLevelObtained,
        RequirementShortfall,
        GradeAssigned,
        GradeChanged,
        AssessmentConfirmed,
        ExitRecommended,
        PayrollRunCompleted,
        PayrollRunLocked,
        PayrollBenchmarkBreached,
        AccountRevoked,
    )
}
