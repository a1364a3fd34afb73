"""The exam rules (pure), from policy data (REFERENCE §2.3):

- assistant: every subject passed within one exam year;
- intermediate: every subject passed within a rolling window of 2 exam years (a pass
  counts for the year it was sat and the next);
- senior: the exam passed, then the review (评审) passed within 3 years of the exam.

A subject is passed at the pass mark (60) or the regional line where one applies. The
level is obtained on the day the last required pass was sat.

Who may sit a level's exam is policy data too (`Eligibility`): for the senior exam,
本科 or above and 5 years of social work after obtaining 社会工作师, counted to 31
December of the exam year. The years are counted from the intermediate certificate's
date (the platform knows no other start of the holder's social work)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cwp_training.dates import add_years
from cwp_training.policy.schemas import Eligibility, LevelExam

REVIEW = "review"

# 学历, lowest first (the contract's Literal names values only; the order is ours).
EDUCATION_RANK = {
    "below_junior_college": 0,
    "junior_college": 1,
    "bachelor": 2,
    "master": 3,
    "doctorate": 4,
}


@dataclass(frozen=True)
class Sitting:
    subject: str
    exam_date: date
    score: Decimal
    passed: bool


def passes(score: Decimal, mark: int) -> bool:
    return score >= mark


def _exam_passed(rule: LevelExam, sittings: Sequence[Sitting]) -> list[date]:
    """Each day on which the written exam became complete, earliest first: for every
    closing year Y, the subjects each need a pass in years Y-window+1..Y."""
    passed = [s for s in sittings if s.passed and s.subject in rule.subjects]
    out = []
    for year in sorted({s.exam_date.year for s in passed}):
        first_year = year - rule.window_years + 1
        inside = [s for s in passed if first_year <= s.exam_date.year <= year]
        earliest: dict[str, date] = {}
        for s in inside:
            if s.subject not in earliest or s.exam_date < earliest[s.subject]:
                earliest[s.subject] = s.exam_date
        if set(rule.subjects) <= earliest.keys():
            out.append(max(earliest.values()))
    return sorted(set(out))


def obtained_on(rule: LevelExam, sittings: Sequence[Sitting]) -> date | None:
    """The day the level is obtained under `rule`, or None while it is not."""
    exam_days = _exam_passed(rule, sittings)
    if not exam_days:
        return None
    if rule.review_within_years is None:
        return exam_days[0]
    reviews = sorted(s.exam_date for s in sittings if s.passed and s.subject == REVIEW)
    for exam_day in exam_days:
        limit = add_years(exam_day, rule.review_within_years)
        for review_day in reviews:
            if exam_day <= review_day <= limit:
                return review_day
    return None


def subjects_of(rule: LevelExam) -> tuple[str, ...]:
    return (*rule.subjects, REVIEW) if rule.review_within_years is not None else rule.subjects


@dataclass(frozen=True)
class Reason:
    field: str
    message: str


def ineligibility(
    rule: Eligibility, education: str | None, held: Mapping[str, date], exam_year: int
) -> list[Reason]:
    """Why a worker may not sit the exam of `exam_year` under `rule` (empty: they may).
    `held` maps each qualification level the worker holds to the day obtained. The
    years are whole years from that day to 31 December of the exam year, so a
    certificate of 31 December Y-5 qualifies for the exam of year Y, one of 1 January
    Y-4 does not. The reasons name the condition, never the worker's own values."""
    reasons = []
    if education is None:
        reasons.append(Reason("education", "The worker's education is not known / 学历未知"))
    elif EDUCATION_RANK[education] < EDUCATION_RANK[rule.min_education]:
        reasons.append(
            Reason(
                "education",
                f"Requires education {rule.min_education} or above / 学历不符合报考条件",
            )
        )
    obtained = held.get(rule.after_level)
    if obtained is None:
        reasons.append(
            Reason(
                "qualification",
                f"Requires the {rule.after_level} qualification / 未取得前一级别资格",
            )
        )
    elif obtained > add_years(date(exam_year, 12, 31), -rule.years):
        reasons.append(
            Reason(
                "qualification",
                f"Requires {rule.years} years after obtaining the {rule.after_level} "
                f"qualification, counted to 31 December {exam_year} / 取得前一级别资格后年限不足",
            )
        )
    return reasons
