"""Benchmarks of pay against local wages (薪酬水平对标): each worker's annual pay for a
year (annualised from the months paid, with or without the employer's contributions as
the policy says) against the floor of the first matching rule, × last year's
reference wage; then per region one level down.

The policies that apply are few, the workers many: the policies become SQL expressions
(FloorSql) and the database sums per region (cwp_payroll.benchmarks.repository); the
sums become the answer here, in integer fen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, literal, null, or_, true

from cwp_common.scope import region_clause
from cwp_payroll.money import round_div
from cwp_payroll.policy.rules import Floors

LEVELS = (2, 4, 6, 9, 12)  # province, city, county, street, community


def sub_level(region: str) -> int:
    """The code length of the regions one level below `region`."""
    return next((n for n in LEVELS if n > len(region)), 12)


@dataclass(frozen=True, slots=True)
class RegionSums:
    """What the database sums for one region a level down."""

    region: str
    workers: int
    below: int
    pay: int  # the workers' annual pay, summed
    floor_sum: int  # the floors of the workers that have one, summed
    floors: int  # how many workers have a floor


@dataclass
class Tally:
    workers: int = 0
    below: int = 0
    pay: int = 0
    floor_sum: int = 0
    floors: int = 0

    def add(self, s: RegionSums) -> None:
        self.workers += s.workers
        self.below += s.below
        self.pay += s.pay
        self.floor_sum += s.floor_sum
        self.floors += s.floors

    @property
    def floor(self) -> int | None:
        return round_div(self.floor_sum, self.floors) if self.floors else None

    @property
    def average(self) -> int:
        return round_div(self.pay, self.workers) if self.workers else 0


def tally(sums: Iterable[RegionSums]) -> tuple[Tally, dict[str, Tally]]:
    """The whole region's tally and one per region a level down."""
    whole = Tally()
    parts: dict[str, Tally] = {}
    for s in sums:
        part = Tally()
        part.add(s)
        parts[s.region] = part
        whole.add(s)
    return whole, parts


def _none() -> Any:
    return cast(null(), BigInteger)  # typed: PostgreSQL cannot sum an untyped NULL


@dataclass(frozen=True)
class FloorSql:
    """The benchmark policies in force, most specific first (jurisdiction, Floors or
    None when its reference wage is missing), as SQL expressions over a worker's
    community code and position."""

    policies: Sequence[tuple[str, Floors | None]]

    def total(self, code: Any, gross: Any, employer: Any) -> Any:
        """The pay counted: with the employer's contributions unless the policy that
        applies says otherwise (and with them when none applies)."""
        whens = [
            (
                region_clause(code, j),
                gross + employer if f is None or f.includes_employer else gross,
            )
            for j, f in self.policies
        ]
        return case(*whens, else_=gross + employer) if whens else gross + employer

    def floor(self, code: Any, position: Any) -> Any:
        whens = [(region_clause(code, j), self._rules(f, code, position)) for j, f in self.policies]
        return case(*whens, else_=_none()) if whens else _none()

    @staticmethod
    def _rules(f: Floors | None, code: Any, position: Any) -> Any:
        if f is None or not f.rules:
            return _none()
        whens = []
        for r in f.rules:
            conditions = []
            if r.positions is not None:
                conditions.append(position.in_(sorted(r.positions)))
            if r.districts is not None:
                conditions.append(or_(*(region_clause(code, d) for d in r.districts)))
            whens.append((and_(true(), *conditions), literal(r.amount(f.reference), BigInteger)))
        return case(*whens, else_=_none())
