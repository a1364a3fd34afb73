"""The exam rules (pure), from policy data (REFERENCE §2.3):

- assistant: every subject passed within one exam year;
- intermediate: every subject passed within a rolling window of 2 exam years (a pass
  counts for the year it was sat and the next);
- senior: the exam passed, then the review (评审) passed within 3 years of the exam.

A subject is passed at the pass mark (60) or the regional line where one applies. The
level is obtained on the day the last required pass was sat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cwp_training.dates import add_years
from cwp_training.policy.schemas import LevelExam

REVIEW = "review"


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
