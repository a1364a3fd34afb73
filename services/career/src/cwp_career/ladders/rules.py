"""Pure ladder rules: cross-field validation, the compiled form used for grading, and the
resolution of the ladder in force for a community on a date. No I/O."""

from __future__ import annotations

import bisect
import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cwp_career.ladders.schemas import (
    DEGREE_ORDER,
    EDUCATION_ORDER,
    POSITIONS,
    Criterion,
    LadderBody,
)

FieldError = dict[str, str]
COEFFICIENT_SCALE = Decimal("0.0001")


def check_ladder(body: LadderBody) -> list[FieldError]:
    """Every rule a ladder breaks, each naming its field (dot path, like request errors)."""
    errors: list[FieldError] = []

    def fail(where: str, message: str) -> None:
        errors.append({"field": where, "message": message})

    seen_codes: set[str] = set()
    owner: dict[str, int] = {}
    for i, cat in enumerate(body.categories):
        where = f"categories.{i}"
        if cat.code in seen_codes:
            fail(f"{where}.code", f"category code {cat.code!r} is used twice")
        seen_codes.add(cat.code)
        if cat.band.min > cat.band.max:
            fail(f"{where}.band", f"band min {cat.band.min} is above max {cat.band.max}")
        for position in cat.positions:
            if position in owner and owner[position] != i:
                fail(
                    f"{where}.positions",
                    f"position {position!r} is already in categories.{owner[position]}",
                )
            owner.setdefault(position, i)
        if i > 0:
            above = body.categories[i - 1]
            # Listed highest rank first: a lower-ranked band may not sit above a higher one.
            if cat.band.min > above.band.min or cat.band.max > above.band.max:
                fail(
                    f"{where}.band",
                    f"band {cat.band.min}-{cat.band.max} of {cat.code!r} sits above the band "
                    f"{above.band.min}-{above.band.max} of the higher-ranked {above.code!r}",
                )
    missing = [p for p in POSITIONS if p not in owner]
    if missing:
        fail("categories", f"positions in no category: {', '.join(missing)}")

    grades = sorted({g for c in body.categories for g in range(c.band.min, c.band.max + 1)})
    for g in grades:
        if g not in body.pay_coefficients:
            fail(f"pay_coefficients.{g}", f"grade {g} is in a band but has no pay coefficient")
    for g in sorted(set(body.pay_coefficients) - set(grades)):
        fail(f"pay_coefficients.{g}", f"grade {g} is in no category's band")
    ordered = sorted(body.pay_coefficients.items())
    for (g0, c0), (g1, c1) in itertools.pairwise(ordered):
        if c1 <= c0:
            fail(
                f"pay_coefficients.{g1}",
                f"coefficient {c1} of grade {g1} is not above {c0} of grade {g0}",
            )

    scale = body.assessment
    names = scale.results
    if len(set(names)) != len(names):
        fail("assessment.results", "result names must be unique")
    for key, listed in (("passing", scale.passing), ("counted", scale.counted)):
        unknown = [n for n in listed if n not in names]
        if unknown:
            fail(f"assessment.{key}", f"unknown results: {', '.join(unknown)}")
        elif key == "passing" and set(listed) != set(names[: len(set(listed))]):
            fail(f"assessment.{key}", "passing results must be the best ones in the order given")

    if body.education_basis != "education":
        for level in body.education_bonus:
            if level not in DEGREE_ORDER:
                fail(
                    f"education_bonus.{level}",
                    f"with education_basis {body.education_basis!r} the levels are "
                    f"{', '.join(DEGREE_ORDER)}",
                )
    if body.single_credential_bonus and body.education_basis != "both":
        fail(
            "single_credential_bonus",
            "only a ladder whose education_basis is 'both' tells one credential from two",
        )

    for name, criterion in body.eligibility.items():
        if criterion.assessments is not None:
            unknown = [n for n in criterion.assessments.results if n not in names]
            if unknown:
                fail(
                    f"eligibility.{name}.assessments.results",
                    f"unknown results: {', '.join(unknown)}",
                )
    return errors


@dataclass(frozen=True, slots=True)
class CategoryRule:
    code: str
    name: str
    band_min: int
    band_max: int
    rank: int  # 0 is the highest-ranked category


NO_BONUS = (0, 0)  # (grades, service years)
Bonuses = dict[Any, int]  # level (or (学历, 学位) pair) -> grades or service years


@dataclass(frozen=True, slots=True)
class Ladder:
    """A validated ladder compiled for fast grading (dict lookups only)."""

    id: uuid.UUID
    jurisdiction: str
    effective_date: date
    name: str
    step_years: int
    category_of: dict[str, CategoryRule]  # position -> category
    # Bonus tables split by unit, so grading does plain dict lookups. Education is keyed
    # on 学历 alone, or on the (学历, 学位) pair when the ladder looks at 学位 (every pair
    # precomputed).
    degree_keyed: bool
    education_grades: Bonuses
    education_years: Bonuses
    qualification_grades: Bonuses
    qualification_years: Bonuses
    skill_level_grades: Bonuses
    skill_level_years: Bonuses
    year_bonuses: bool  # some table gives service years
    stack: bool
    pay: dict[int, Decimal]
    results: tuple[str, ...]
    passing: frozenset[str]
    counted: frozenset[str]
    excellent_cap: Decimal | None
    excellent_cap_unit: str
    failing_limit: int | None
    eligibility: dict[str, Criterion]
    example_pay: bool  # the pay coefficients are example data
    example_eligibility: bool
    example_quota: bool
    body: LadderBody = field(repr=False, compare=False)
    ref: str = field(default="", repr=False, compare=False)  # str(id), for bulk writes

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", str(self.id))

    @property
    def excellent(self) -> str:
        return self.results[0]

    def rank(self, result: str) -> int:
        return self.results.index(result) + 1


def _bonus(amount: int, unit: str) -> tuple[int, int]:
    return (0, amount) if unit == "years" else (amount, 0)


def education_bonus(body: LadderBody, education: str, degree: str | None) -> tuple[int, int]:
    """(grades, service years) a 学历 and 学位 earn under the ladder's education basis."""
    unit = body.bonus_units.get("education", "grades")
    table: dict[str, int] = {str(k): v for k, v in body.education_bonus.items()}
    if body.education_basis == "education":
        return _bonus(table.get(education, 0), unit)
    if body.education_basis == "degree":
        return _bonus(table.get(degree, 0) if degree else 0, unit)
    # "both": the highest level held in either decides; both held there, or only one.
    held = [lvl for lvl in (education, degree) if lvl in DEGREE_ORDER]
    if not held:
        return NO_BONUS
    top = max(held, key=DEGREE_ORDER.index)
    if education == degree == top:
        return _bonus(table.get(top, 0), unit)
    single = {str(k): v for k, v in body.single_credential_bonus.items()}.get(top, 0)
    return _bonus(single, body.bonus_units.get("single_credential", "grades"))


def _split(table: dict[Any, tuple[int, int]]) -> tuple[Bonuses, Bonuses]:
    """(grades table, years table), zeros left out."""
    grades = {k: g for k, (g, _) in table.items() if g}
    years = {k: y for k, (_, y) in table.items() if y}
    return grades, years


def _levels(table: dict[Any, int], unit: str) -> tuple[Bonuses, Bonuses]:
    return _split({str(k): _bonus(v, unit) for k, v in table.items()})


# A position added to the contracts after a ladder was stored ranks, in that ladder, as
# the position it was split from (a new ladder must place it: check_ladder). 社区党组织委员
# were counted among the 两委委员 (committee_member) before they had a position of their own.
STAND_INS = {"party_committee_member": "committee_member"}


def compile_ladder(ladder_id: uuid.UUID, body: LadderBody) -> Ladder:
    category_of: dict[str, CategoryRule] = {}
    for rank, cat in enumerate(body.categories):
        rule = CategoryRule(cat.code, cat.name, cat.band.min, cat.band.max, rank)
        for position in cat.positions:
            category_of[position] = rule
    for new, old in STAND_INS.items():
        if new not in category_of and old in category_of:
            category_of[new] = category_of[old]
    scale = body.assessment
    units = body.bonus_units
    examples = set(body.examples)
    degree_keyed = body.education_basis != "education"
    edu_grades, edu_years = _split(
        {
            ((e, d) if degree_keyed else e): education_bonus(body, e, d)
            for e in EDUCATION_ORDER
            for d in ((None, *DEGREE_ORDER) if degree_keyed else (None,))
        }
    )
    qual_grades, qual_years = _levels(
        body.qualification_bonus, units.get("qualification", "grades")
    )
    skill_grades, skill_years = _levels(body.skill_level_bonus, units.get("skill_level", "grades"))
    return Ladder(
        id=ladder_id,
        jurisdiction=body.jurisdiction,
        effective_date=body.effective_date,
        name=body.name,
        step_years=body.step_years,
        category_of=category_of,
        degree_keyed=degree_keyed,
        education_grades=edu_grades,
        education_years=edu_years,
        qualification_grades=qual_grades,
        qualification_years=qual_years,
        skill_level_grades=skill_grades,
        skill_level_years=skill_years,
        year_bonuses=bool(edu_years or qual_years or skill_years),
        stack=body.bonus_rule == "stack",
        pay={g: c.quantize(COEFFICIENT_SCALE) for g, c in body.pay_coefficients.items()},
        results=tuple(scale.results),
        passing=frozenset(scale.passing),
        counted=frozenset(scale.counted),
        excellent_cap=scale.excellent_cap,
        excellent_cap_unit=scale.excellent_cap_unit,
        failing_limit=body.exit_rule.consecutive_failing_years,
        eligibility=dict(body.eligibility),
        example_pay="pay_coefficients" in examples,
        example_eligibility="eligibility" in examples,
        example_quota="excellent_cap" in examples,
        body=body,
    )


def after_move(
    ladder: Ladder,
    from_code: str,
    to_code: str,
    grade: int | None,
    counted_from: date | None,
    effective: date,
) -> tuple[int | None, date | None]:
    """(grade floor, counted_from) of a worker moving into `ladder`'s jurisdiction, by the
    rule that ladder sets (MoverRule). REFERENCE §1 (NAT, 2024 Opinion): grades are
    mutually recognised within a province and 社区工作年限 accumulate across moves there,
    so within a province the grade is kept unless the ladder re-grades movers
    (carry_years); from another province the receiving ladder says keep, carry or reset."""
    movers = ladder.body.movers
    rule = movers.within_province if from_code[:2] == to_code[:2] else movers.from_other_province
    if rule == "keep_grade":
        return grade, counted_from
    if rule == "carry_years":
        return None, counted_from
    return None, effective


def jurisdictions_for(community_code: str) -> tuple[str, str, str]:
    """Resolution order: prefecture (4 digits), province (2 digits), national ("")."""
    return community_code[:4], community_code[:2], ""


class LadderBook:
    """Every ladder version, answering which one is in force for a community on a day:
    the prefecture's latest version effective on or before that day, else the
    province's, else a national one, else the shipped fallback."""

    def __init__(self, ladders: Iterable[Ladder], fallback: Ladder) -> None:
        self.fallback = fallback
        self._versions: dict[str, list[Ladder]] = {}
        for ladder in ladders:
            self._versions.setdefault(ladder.jurisdiction, []).append(ladder)
        for versions in self._versions.values():
            versions.sort(key=lambda lad: lad.effective_date)
        self._dates = {k: [v.effective_date for v in vs] for k, vs in self._versions.items()}

    def resolve(self, community_code: str, on: date) -> Ladder:
        for key in jurisdictions_for(community_code):
            dates = self._dates.get(key)
            if dates:
                i = bisect.bisect_right(dates, on)
                if i:
                    return self._versions[key][i - 1]
        return self.fallback

    def with_version(self, ladder: Ladder) -> LadderBook:
        """This book plus one more version (what a preview asks about)."""
        return LadderBook([*self.all(), ladder], self.fallback)

    def all(self) -> list[Ladder]:
        return [lad for versions in self._versions.values() for lad in versions]

    def by_id(self, ladder_id: object) -> Ladder | None:
        return next((lad for lad in [*self.all(), self.fallback] if lad.id == ladder_id), None)

    def criteria(self) -> set[str]:
        return {name for lad in [*self.all(), self.fallback] for name in lad.eligibility}
