"""The grading rule, pure and fast enough to run over a whole province.

REFERENCE §2.1 [INF] suggested model, which the national fallback follows:

    grade = clamp(band_min(post) + floor(years_in_community / step_years)
                  + edu_bonus + cert_bonus, band_min(post), band_max(post))

The post is the highest-ranked of the worker's main and concurrent posts (书记兼主任).
Counted service years run from service_start_date to the as-of date (or to the statutory
retirement date when that comes first), less the part of each assessed year whose result
the ladder does not count that the worker actually served (本溪 2022: a 不合格 year does
not count toward 工作年限; a worker who started in July loses half a year, not a year).

Bonus: each table (education, social-work qualification, skill level) gives the bonus of
the worker's highest level in it (a senior social worker gets the senior bonus, not
assistant + intermediate + senior), in grades or in service years as the ladder says;
education looks at 学历 and 学位 as the ladder's basis says. Between the tables the
ladder's bonus_rule decides: "stack" adds them (the formula above), "highest"
(就高不叠加) takes only the largest grade bonus and the largest service-year bonus.
A grade kept from a move inside the province (省内互认) is a floor under the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cwp_career.dates import add_years, full_years
from cwp_career.ladders.rules import CategoryRule, Ladder

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
    degree: str | None = None
    concurrent_positions: tuple[str, ...] = ()
    retirement_date: date | None = None
    grade_floor: int | None = None  # a grade kept from a move (省内互认)


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
    uncounted: int  # failing years that docked (part of) the service
    counted_years: int
    steps: int
    education_bonus: int
    qualification_bonus: int
    skill_level_bonus: int
    bonus: int  # grades
    bonus_years: int  # service years added by the bonuses
    raw_grade: int
    step_date: date | None  # when the current number of steps was reached
    next_step_date: date | None  # when the next step raises the grade; None at band max
    retired: bool  # the statutory retirement age is reached: service stops counting

    @property
    def example(self) -> bool:
        """The pay coefficient is example data, not a published policy."""
        return self.ladder.example_pay

    def inputs(self, facts: Facts) -> dict[str, Any]:
        """Everything that explains this grade, for the history row (no birth date nor
        retirement date: the history is shown to callers without the pii role)."""
        return {
            "as_of": self.as_of.isoformat(),
            "position": facts.position,
            "concurrent_positions": list(facts.concurrent_positions),
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
            "degree": facts.degree,
            "education_bonus": self.education_bonus,
            "qualification": facts.qualification,
            "qualification_bonus": self.qualification_bonus,
            "skill_level": facts.skill_level,
            "skill_level_bonus": self.skill_level_bonus,
            "bonus_rule": "stack" if self.ladder.stack else "highest",
            "bonus": self.bonus,
            "bonus_years": self.bonus_years,
            "grade_floor": facts.grade_floor,
            "band": [self.band_min, self.band_max],
            "raw_grade": self.raw_grade,
            "retired": self.retired,
            "example": self.ladder.example_pay,
        }


def counts_against(year: int, facts: Facts, as_of: date) -> bool:
    return facts.service_start_date.year <= year <= as_of.year


def service_end(facts: Facts, as_of: date) -> date:
    """Service counts up to the as-of date, or to the retirement date when earlier."""
    retire = facts.retirement_date
    return retire if retire is not None and retire < as_of else as_of


def docked_start(facts: Facts, end: date) -> tuple[date, int]:
    """The service start moved on by the part of each uncounted year served before
    `end`: a whole year served moves it a calendar year, a part moves it by its days.
    Also how many uncounted years docked anything."""
    start = facts.service_start_date
    whole = days = docked = 0
    for year in facts.uncounted_years:
        first, after = date(year, 1, 1), date(year + 1, 1, 1)
        served_from, served_to = max(start, first), min(end, after)
        if served_to <= served_from:
            continue
        docked += 1
        if served_from == first and served_to == after:
            whole += 1
        else:
            days += (served_to - served_from).days
    if not docked:
        return start, 0
    return add_years(start, whole) + timedelta(days=days), docked


def service_years(facts: Facts, as_of: date) -> tuple[int, int, int]:
    """(completed years, uncounted years that docked them, counted years) on `as_of`."""
    end = service_end(facts, as_of)
    start = facts.service_start_date
    years = full_years(start, end)
    if not facts.uncounted_years:
        return years, 0, years
    counted_from, docked = docked_start(facts, end)
    return years, docked, full_years(counted_from, end)


def category_of(ladder: Ladder, facts: Facts) -> CategoryRule:
    """The highest-ranked category among the main and concurrent posts."""
    category = ladder.category_of[facts.position]
    for position in facts.concurrent_positions:
        other = ladder.category_of[position]
        if other.rank < category.rank:
            category = other
    return category


def grade(ladder: Ladder, facts: Facts, as_of: date) -> Grading:
    if facts.concurrent_positions:
        category = category_of(ladder, facts)
    else:
        category = ladder.category_of[facts.position]
    start = facts.service_start_date
    retire = facts.retirement_date
    end = retire if retire is not None and retire < as_of else as_of
    years = full_years(start, end)
    uncounted = 0
    counted_from = start
    if facts.uncounted_years:
        counted_from, uncounted = docked_start(facts, end)
    counted = full_years(counted_from, end) if uncounted else years
    key = (facts.education, facts.degree) if ladder.degree_keyed else facts.education
    edu = ladder.education_grades.get(key, 0)
    qual = ladder.qualification_grades.get(facts.qualification, 0)
    skill = ladder.skill_level_grades.get(facts.skill_level, 0)
    bonus = edu + qual + skill if ladder.stack else max(edu, qual, skill)
    step = ladder.step_years
    bonus_years = 0
    if ladder.year_bonuses:
        more = (
            ladder.education_years.get(key, 0),
            ladder.qualification_years.get(facts.qualification, 0),
            ladder.skill_level_years.get(facts.skill_level, 0),
        )
        bonus_years = sum(more) if ladder.stack else max(more)
    if bonus_years:
        # Bonus service years start the clock earlier: steps and step dates move alike.
        counted_from = add_years(counted_from, -bonus_years)
        steps = full_years(counted_from, end) // step
    else:
        steps = counted // step
    raw = category.band_min + steps + bonus
    floor = facts.grade_floor
    value = min(max(raw, category.band_min if floor is None else floor), category.band_max)
    retired = retire is not None and retire <= as_of
    step_date = add_years(counted_from, steps * step) if steps else None
    next_step = (
        add_years(counted_from, (steps + 1) * step)
        if raw < category.band_max and not retired
        else None
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
        bonus_years=bonus_years,
        raw_grade=raw,
        step_date=step_date,
        next_step_date=next_step,
        retired=retired,
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
