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

from cwp_career.ladders.schemas import POSITIONS, Criterion, LadderBody

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


@dataclass(frozen=True, slots=True)
class Ladder:
    """A validated ladder compiled for fast grading (dict lookups only)."""

    id: uuid.UUID
    jurisdiction: str
    effective_date: date
    name: str
    step_years: int
    category_of: dict[str, CategoryRule]  # position -> category
    education_bonus: dict[str, int]
    qualification_bonus: dict[str, int]
    skill_level_bonus: dict[str, int]
    stack: bool
    pay: dict[int, Decimal]
    results: tuple[str, ...]
    passing: frozenset[str]
    counted: frozenset[str]
    excellent_cap: Decimal | None
    failing_limit: int | None
    eligibility: dict[str, Criterion]
    body: LadderBody = field(repr=False, compare=False)
    ref: str = field(default="", repr=False, compare=False)  # str(id), for bulk writes

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", str(self.id))

    @property
    def excellent(self) -> str:
        return self.results[0]

    def rank(self, result: str) -> int:
        return self.results.index(result) + 1


def compile_ladder(ladder_id: uuid.UUID, body: LadderBody) -> Ladder:
    category_of: dict[str, CategoryRule] = {}
    for cat in body.categories:
        rule = CategoryRule(cat.code, cat.name, cat.band.min, cat.band.max)
        for position in cat.positions:
            category_of[position] = rule
    scale = body.assessment
    return Ladder(
        id=ladder_id,
        jurisdiction=body.jurisdiction,
        effective_date=body.effective_date,
        name=body.name,
        step_years=body.step_years,
        category_of=category_of,
        education_bonus={str(k): v for k, v in body.education_bonus.items()},
        qualification_bonus={str(k): v for k, v in body.qualification_bonus.items()},
        skill_level_bonus={str(k): v for k, v in body.skill_level_bonus.items()},
        stack=body.bonus_rule == "stack",
        pay={g: c.quantize(COEFFICIENT_SCALE) for g, c in body.pay_coefficients.items()},
        results=tuple(scale.results),
        passing=frozenset(scale.passing),
        counted=frozenset(scale.counted),
        excellent_cap=scale.excellent_cap,
        failing_limit=body.exit_rule.consecutive_failing_years,
        eligibility=dict(body.eligibility),
        body=body,
    )


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
