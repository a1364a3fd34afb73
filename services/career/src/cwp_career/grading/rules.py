"""The grading rule, pure and fast enough to run over a whole province.

    grade = band min of the worker's category
            + floor(counted service years / step years)
            + bonus
    clamped to the band.

Counted service years are the completed years from service_start_date to the as-of date,
minus one for every assessed year whose confirmed result the ladder does not count
(e.g. a 不合格 year, 本溪 2022), taking only years from the service start on.

Bonus: each table (education, social-work qualification, skill level) gives the bonus of
the worker's highest level in it (a senior social worker gets the senior bonus, not
assistant + intermediate + senior). Between the tables the ladder's bonus_rule decides:
"stack" adds the three, "highest" (就高不叠加) takes only the largest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cwp_career.dates import add_years, full_years
from cwp_career.ladders.rules import Ladder

# The value types below are slotted but not frozen: a frozen dataclass sets each field
# through object.__setattr__, which made construction the largest cost of a mass regrade.


@dataclass(slots=True)
class Facts:
    """What grading needs to know about a worker (from the projection)."""

    position: str
    education: str
    qualification: str | None
    skill_level: str | None
    service_start_date: date
    uncounted_years: frozenset[int] = frozenset()


@dataclass(slots=True)
class Grading:
    ladder: Ladder
    as_of: date
    category: str
    grade: int
    pay_coefficient: Decimal
    band_min: int
    band_max: int
    service_years: int
    uncounted: int
    counted_years: int
    steps: int
    education_bonus: int
    qualification_bonus: int
    skill_level_bonus: int
    bonus: int
    raw_grade: int
    step_date: date | None  # when the current number of steps was reached
    next_step_date: date | None  # when the next step raises the grade; None at band max

    def inputs(self, facts: Facts) -> dict[str, Any]:
        """Everything that explains this grade, for the history row."""
        return {
            "as_of": self.as_of.isoformat(),
            "position": facts.position,
            "service_start_date": facts.service_start_date.isoformat(),
            "service_years": self.service_years,
            "uncounted_years": sorted(
                y for y in facts.uncounted_years if counts_against(y, facts, self.as_of)
            )
            if facts.uncounted_years
            else [],
            "counted_years": self.counted_years,
            "step_years": self.ladder.step_years,
            "steps": self.steps,
            "education": facts.education,
            "education_bonus": self.education_bonus,
            "qualification": facts.qualification,
            "qualification_bonus": self.qualification_bonus,
            "skill_level": facts.skill_level,
            "skill_level_bonus": self.skill_level_bonus,
            "bonus_rule": "stack" if self.ladder.stack else "highest",
            "bonus": self.bonus,
            "band": [self.band_min, self.band_max],
            "raw_grade": self.raw_grade,
        }


def counts_against(year: int, facts: Facts, as_of: date) -> bool:
    return facts.service_start_date.year <= year <= as_of.year


def service_years(facts: Facts, as_of: date) -> tuple[int, int, int]:
    """(completed years, uncounted years among them, counted years) on `as_of`."""
    start = facts.service_start_date
    years = full_years(start, as_of)
    uncounted = 0
    if facts.uncounted_years:
        uncounted = sum(1 for y in facts.uncounted_years if start.year <= y <= as_of.year)
    return years, uncounted, max(0, years - uncounted)


def grade(ladder: Ladder, facts: Facts, as_of: date) -> Grading:
    category = ladder.category_of[facts.position]
    start = facts.service_start_date
    years, uncounted, counted = service_years(facts, as_of)
    step = ladder.step_years
    steps = counted // step
    edu = ladder.education_bonus.get(facts.education, 0)
    qual = ladder.qualification_bonus.get(facts.qualification, 0) if facts.qualification else 0
    skill = ladder.skill_level_bonus.get(facts.skill_level, 0) if facts.skill_level else 0
    bonus = edu + qual + skill if ladder.stack else max(edu, qual, skill)
    raw = category.band_min + steps + bonus
    value = min(max(raw, category.band_min), category.band_max)
    # Dates assume no further uncounted years; a later failing year moves them on.
    step_date = add_years(start, steps * step + uncounted) if steps else None
    next_step = (
        add_years(start, (steps + 1) * step + uncounted) if raw < category.band_max else None
    )
    return Grading(
        ladder=ladder,
        as_of=as_of,
        category=category.code,
        grade=value,
        pay_coefficient=ladder.pay[value],
        band_min=category.band_min,
        band_max=category.band_max,
        service_years=years,
        uncounted=uncounted,
        counted_years=counted,
        steps=steps,
        education_bonus=edu,
        qualification_bonus=qual,
        skill_level_bonus=skill,
        bonus=bonus,
        raw_grade=raw,
        step_date=step_date,
        next_step_date=next_step,
    )


@dataclass(slots=True)
class Current:
    """A worker's grade as the projection holds it (None fields: never graded)."""

    category: str | None
    grade: int | None
    pay_coefficient: Decimal | None
    ladder_id: Any
    effective_date: date | None
    next_step_date: date | None


@dataclass(slots=True)
class Outcome:
    """What a (re)grade changes. `graded` means the grade itself changed (category, grade
    or pay coefficient): that writes a history row and an event; otherwise only the
    bookkeeping (ladder id, next step date) is refreshed."""

    grading: Grading
    graded: bool
    effective_date: date
    reason: str
    first: bool


def plan(
    current: Current, grading: Grading, reason: str | None, business_date: date | None = None
) -> Outcome | None:
    """Compare a new grading with the current state; None when nothing is to be written.

    The effective date of a grade change is the business date of what caused it (an event
    handler passes it), or for a regrade the later of the day the new ladder took effect
    and the day the current step was reached; never before the current grade's own
    effective date, so history stays in order, and never after the as-of date. A grading
    as of a day before the current grade took effect changes nothing."""
    if current.effective_date is not None and grading.as_of < current.effective_date:
        return None  # graded on a later day already: an older view never overrides it
    first = current.grade is None
    graded = first or (
        current.category != grading.category
        or current.grade != grading.grade
        or current.pay_coefficient != grading.pay_coefficient
    )
    ladder_changed = current.ladder_id != grading.ladder.id
    if not graded and not ladder_changed and current.next_step_date == grading.next_step_date:
        return None
    if reason is None:
        reason = "initial" if first else "ladder" if ladder_changed else "step"
    if business_date is not None:
        when = business_date
    else:
        causes = []
        if ladder_changed:
            causes.append(grading.ladder.effective_date)
        step_date = grading.step_date
        if step_date is not None and (
            current.effective_date is None or step_date > current.effective_date
        ):
            causes.append(step_date)
        when = max(causes) if causes else grading.as_of
    when = min(when, grading.as_of)
    if current.effective_date is not None and when < current.effective_date:
        when = current.effective_date
    return Outcome(grading, graded, when, reason, first)


def parse_years(text: str) -> frozenset[int]:
    """The projection keeps uncounted years as "2023,2025"."""
    return frozenset(int(y) for y in text.split(",")) if text else frozenset()


def format_years(years: Iterable[int]) -> str:
    return ",".join(str(y) for y in sorted(set(years)))
