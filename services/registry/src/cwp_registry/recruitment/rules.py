"""Pure recruitment rules (选聘): the selection conditions checked against an applicant,
the workflow's states and the steps allowed from each, the combined score and the
ranking per post. Plain data in, plain data out; "today" is an argument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from cwp_registry.recruitment.exceptions import InvalidTransition
from cwp_registry.workers.rules import age_on

# 学历, lowest first: "at least a junior-college diploma" compares ranks.
EDUCATION_RANK = {
    "below_junior_college": 0,
    "junior_college": 1,
    "bachelor": 2,
    "master": 3,
    "doctorate": 4,
}

State = Literal[
    "applied",  # waiting for the qualification review (资格审查)
    "qualified",
    "examined",  # written exam scored (笔试)
    "interviewed",  # interview scored (面试)
    "shortlisted",  # ranked within the post's quota
    "politically_cleared",  # 政治审查/考察 passed
    "health_cleared",  # 体检 passed
    "in_publicity",  # 公示
    "publicized",  # publicity over, no objection upheld
    "hired",
    "disqualified",
    "not_shortlisted",  # ranked outside the quota: may replace one who drops out (递补)
    "rejected",  # failed a later step, or an objection was upheld
    "withdrawn",
]
FINAL: frozenset[str] = frozenset({"hired", "disqualified", "rejected", "withdrawn"})

# States that hold one of the post's places (a later ranking fills only the rest).
HOLDING_A_PLACE: frozenset[str] = frozenset(
    {"shortlisted", "politically_cleared", "health_cleared", "in_publicity", "publicized", "hired"}
)

Step = Literal[
    "qualification_review",
    "written_exam",
    "interview",
    "ranking",
    "political_review",
    "health_check",
    "publicity",
    "objection",
    "objection_resolution",
    "publicity_end",
    "hiring",
    "replacement",
    "withdrawal",
]

# The state each step may be taken from. Where a step leads is decided by its outcome.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "qualification_review": frozenset({"applied"}),
    "written_exam": frozenset({"qualified"}),
    "interview": frozenset({"examined"}),
    "ranking": frozenset({"interviewed"}),
    "political_review": frozenset({"shortlisted"}),
    "health_check": frozenset({"politically_cleared"}),
    "publicity": frozenset({"health_cleared"}),
    "objection": frozenset({"in_publicity"}),
    "objection_resolution": frozenset({"in_publicity"}),
    "publicity_end": frozenset({"in_publicity"}),
    "hiring": frozenset({"publicized"}),
    # 递补: a ranked applicant outside the shortlist takes a place that fell free.
    "replacement": frozenset({"not_shortlisted"}),
    "withdrawal": frozenset(
        {
            "applied",
            "not_shortlisted",
            "qualified",
            "examined",
            "interviewed",
            "shortlisted",
            "politically_cleared",
            "health_cleared",
            "in_publicity",
            "publicized",
        }
    ),
}


def check_transition(step: str, state: str) -> None:
    """409 invalid-transition when `step` cannot be taken in `state`."""
    if state not in ALLOWED_FROM[step]:
        raise InvalidTransition(step, state)


# --- selection conditions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applicant:
    birth_date: date
    education: str
    political_status: str
    residence_code: str | None
    experience_years: int | None


@dataclass(frozen=True, slots=True)
class Check:
    condition: str  # age, education, residence, political_status, experience
    met: bool | None  # None: the data to decide it is missing


def merged(
    round_conditions: dict[str, Any], post_conditions: dict[str, Any] | None
) -> dict[str, Any]:
    """A post's own conditions replace the round's, condition by condition."""
    given = {k: v for k, v in (post_conditions or {}).items() if v is not None}
    return {**round_conditions, **given}


def evaluate(conditions: dict[str, Any], a: Applicant, reference: date) -> list[Check]:
    """Each condition the round sets, checked against the applicant on `reference`
    (the age date: the end of the application window unless the round says otherwise)."""
    checks = []
    lo, hi = conditions.get("age_min"), conditions.get("age_max")
    if lo is not None or hi is not None:
        age = age_on(a.birth_date, reference)
        checks.append(Check("age", (lo is None or age >= lo) and (hi is None or age <= hi)))
    if conditions.get("education_min"):
        need = EDUCATION_RANK[conditions["education_min"]]
        checks.append(Check("education", EDUCATION_RANK[a.education] >= need))
    prefixes = conditions.get("residence_prefixes")
    if prefixes:
        met = None if a.residence_code is None else a.residence_code.startswith(tuple(prefixes))
        checks.append(Check("residence", met))
    statuses = conditions.get("political_statuses")
    if statuses:
        checks.append(Check("political_status", a.political_status in statuses))
    years = conditions.get("experience_years_min")
    if years is not None:
        known = a.experience_years
        checks.append(Check("experience", None if known is None else known >= years))
    return checks


def automatic_outcome(checks: Sequence[Check]) -> Literal["qualified", "disqualified"] | None:
    """Decided by the data when it can be: any unmet condition disqualifies, all met
    qualifies; otherwise a person decides (None)."""
    if any(c.met is False for c in checks):
        return "disqualified"
    if all(c.met is True for c in checks):
        return "qualified"
    return None


# --- scores and ranking ------------------------------------------------------------------

CENT = Decimal("0.01")


def total_score(written: Decimal, interview: Decimal, written_weight_pct: int) -> Decimal:
    """The combined score, weights in whole percent, to the hundredth (half up)."""
    total = (written * written_weight_pct + interview * (100 - written_weight_pct)) / 100
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Scored:
    key: str  # the application id, also the last tie-break (earlier application first)
    written: Decimal
    interview: Decimal


@dataclass(frozen=True, slots=True)
class Ranked:
    key: str
    total: Decimal
    rank: int
    shortlisted: bool


def rank(scored: Sequence[Scored], written_weight_pct: int, quota: int) -> list[Ranked]:
    """Best total first; ties by the written score, then by who applied first. The first
    `quota` are shortlisted."""
    totals = {s.key: total_score(s.written, s.interview, written_weight_pct) for s in scored}
    order = sorted(scored, key=lambda s: (-totals[s.key], -s.written, s.key))
    return [Ranked(s.key, totals[s.key], i + 1, i < quota) for i, s in enumerate(order)]
