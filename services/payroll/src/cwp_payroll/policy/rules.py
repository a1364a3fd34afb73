"""Policy resolution and compilation: which dated document applies to a community on a
day, and the documents turned into integer-fen structures the payslip rules use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import orjson

from cwp_payroll.money import Rate, apply_rate, round_div, to_fen
from cwp_payroll.policy.exceptions import DuplicateAllowance
from cwp_payroll.policy.schemas import Benchmark, Insurance, PayStandard, Strict

T = TypeVar("T")


@dataclass(frozen=True)
class Dated(Generic[T]):
    jurisdiction: str
    effective_date: date
    value: T
    example: bool = False


def check_allowance_names(body: Strict) -> None:
    """A pay standard's other allowances have unique names (a payslip line each)."""
    if isinstance(body, PayStandard):
        names = [a.name for a in body.allowances.other]
        if len(names) != len(set(names)):
            raise DuplicateAllowance


def resolve(items: Iterable[Dated[T]], code: str, on: date) -> Dated[T] | None:
    """The document for `code` on `on`: the most specific jurisdiction that covers the
    code, and within it the latest one in effect."""
    best: Dated[T] | None = None
    for item in items:
        if not code.startswith(item.jurisdiction) or item.effective_date > on:
            continue
        if best is None or (len(item.jurisdiction), item.effective_date) > (
            len(best.jurisdiction),
            best.effective_date,
        ):
            best = item
    return best


WageKey = tuple[str, int, str]  # (division, year, kind)


def reference_wage(wages: Mapping[WageKey, int], division: str, year: int, kind: str) -> int | None:
    """The figure for `year` from the series of the most specific division covering
    `division`; until that year's figure is published (statistics bureaus publish in the
    spring or summer after), the series' latest earlier figure, as contribution bases
    keep last year's until the new one is announced."""
    for length in range(len(division), -1, -1):
        series = division[:length]
        published = [y for (d, y, k) in wages if d == series and k == kind and y <= year]
        if published:
            return wages[(series, max(published), kind)]
    return None


class MissingReferenceWage(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Standard:
    """A pay standard for one month and place, in fen."""

    base: int  # monthly base before the grade coefficient
    performance: Rate
    year_end: bool
    qualification_schedule: str | None
    qualification: Mapping[str, int]
    seniority_per_year: int
    seniority_cap: int | None
    post: Mapping[str, int]
    other: tuple[tuple[str, int], ...]
    example: bool
    other_total: int = 0  # the named others summed
    other_lines: str = "[]"  # the named others as a payslip's lines, JSON

    @classmethod
    def compile(
        cls, s: PayStandard, example: bool, wages: Mapping[WageKey, int], year: int
    ) -> Standard:
        b = s.base
        if b.method == "fixed":
            base = to_fen(b.amount)
        elif b.method == "institution_start":
            base = apply_rate(to_fen(b.amount), Rate(b.factor))
        else:
            annual = reference_wage(wages, b.division, year - 1, b.wage_kind)
            if annual is None:
                raise MissingReferenceWage
            base = round_div(apply_rate(annual, Rate(b.share)), 12)
        a = s.allowances
        q = a.qualification
        other = tuple((o.name, to_fen(o.amount)) for o in a.other)
        return cls(
            base=base,
            performance=Rate(s.performance_share),
            year_end=s.performance_schedule == "year_end",
            qualification_schedule=q.schedule if q else None,
            qualification=(
                {
                    "assistant": to_fen(q.assistant),
                    "intermediate": to_fen(q.intermediate),
                    "senior": to_fen(q.senior),
                }
                if q
                else {}
            ),
            seniority_per_year=to_fen(a.seniority.per_year) if a.seniority else 0,
            seniority_cap=(
                to_fen(a.seniority.cap) if a.seniority and a.seniority.cap is not None else None
            ),
            post={k: to_fen(v) for k, v in a.post.items()},
            other=other,
            example=example,
            other_total=sum(amount for _, amount in other),
            other_lines=orjson.dumps([list(o) for o in other]).decode(),
        )


@dataclass(frozen=True, slots=True)
class Rates:
    employer: Rate
    employee: Rate


@dataclass(frozen=True, slots=True)
class Contributions:
    """Social insurance and housing fund for one month and place, in fen."""

    floor: int
    cap: int
    pension: Rates
    medical: Rates
    unemployment: Rates
    injury: Rate
    housing: Rates
    housing_floor: int
    housing_cap: int
    example: bool
    month_pay: bool = False  # the base is each month's regular pay, not the year's basis

    @classmethod
    def compile(
        cls, i: Insurance, example: bool, wages: Mapping[WageKey, int], year: int
    ) -> Contributions:
        annual = reference_wage(wages, i.reference.division, year - 1, i.reference.kind)
        if annual is None:
            raise MissingReferenceWage
        monthly = round_div(annual, 12)
        h = i.housing_fund
        return cls(
            floor=apply_rate(monthly, Rate(i.base_floor_share)),
            cap=apply_rate(monthly, Rate(i.base_cap_share)),
            pension=Rates(Rate(i.pension.employer), Rate(i.pension.employee)),
            medical=Rates(Rate(i.medical.employer), Rate(i.medical.employee)),
            unemployment=Rates(Rate(i.unemployment.employer), Rate(i.unemployment.employee)),
            injury=Rate(i.work_injury.employer),
            housing=Rates(Rate(h.employer), Rate(h.employee)),
            housing_floor=to_fen(h.base_floor),
            housing_cap=apply_rate(monthly, Rate(h.base_cap_share)),
            example=example,
            month_pay=i.base_from == "month_pay",
        )


@dataclass(frozen=True, slots=True)
class Floor:
    share: Rate
    positions: frozenset[str] | None
    districts: tuple[str, ...] | None

    def amount(self, reference: int) -> int:
        return apply_rate(reference, self.share)


@dataclass(frozen=True, slots=True)
class Floors:
    reference: int  # the previous year's annual reference wage, fen
    includes_employer: bool
    rules: tuple[Floor, ...]

    @classmethod
    def compile(cls, b: Benchmark, wages: Mapping[WageKey, int], year: int) -> Floors:
        annual = reference_wage(wages, b.reference.division, year - 1, b.reference.kind)
        if annual is None:
            raise MissingReferenceWage
        return cls(
            reference=annual,
            includes_employer=b.includes_employer_contributions,
            rules=tuple(
                Floor(
                    Rate(r.share),
                    frozenset(r.positions) if r.positions else None,
                    tuple(r.districts) if r.districts else None,
                )
                for r in b.rules
            ),
        )

    def floor_of(self, position: str, community_code: str) -> int | None:
        """The annual floor (fen) of a worker, by the first rule that matches."""
        for r in self.rules:
            if r.positions is not None and position not in r.positions:
                continue
            if r.districts is not None and not any(
                community_code.startswith(d) for d in r.districts
            ):
                continue
            return r.amount(self.reference)
        return None
