"""Benchmarks of pay against local wages (薪酬水平对标): each worker's annual pay for a
year (annualised from the months paid, with or without the employer's contributions as
the policy says) against the floor of the first matching rule, × last year's
reference wage; then per region one level down. Pure, integer fen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cwp_payroll.money import round_div
from cwp_payroll.policy.rules import Floors

LEVELS = (2, 4, 6, 9, 12)  # province, city, county, street, community


def sub_level(region: str) -> int:
    """The code length of the regions one level below `region`."""
    return next((n for n in LEVELS if n > len(region)), 12)


@dataclass(frozen=True, slots=True)
class PaidYear:
    position: str
    community_code: str
    gross: int
    employer: int  # the employer's contributions
    months: int


@dataclass
class Tally:
    workers: int = 0
    below: int = 0
    pay: int = 0
    floors: list[int] = field(default_factory=list)

    @property
    def floor(self) -> int | None:
        return round_div(sum(self.floors), len(self.floors)) if self.floors else None

    @property
    def average(self) -> int:
        return round_div(self.pay, self.workers) if self.workers else 0


def annual_pay(p: PaidYear, with_employer: bool) -> int:
    total = p.gross + (p.employer if with_employer else 0)
    return round_div(total * 12, p.months) if p.months else 0


def tally(
    region: str,
    paid: Iterable[PaidYear],
    floors_of: Callable[[str], Floors | None],
) -> tuple[Tally, dict[str, Tally]]:
    """The whole region's tally and one per region a level down."""
    width = sub_level(region)
    whole = Tally()
    parts: dict[str, Tally] = {}
    for p in paid:
        floors = floors_of(p.community_code)
        pay = annual_pay(p, floors.includes_employer if floors else True)
        floor = floors.floor_of(p.position, p.community_code) if floors else None
        for t in (whole, parts.setdefault(p.community_code[:width], Tally())):
            t.workers += 1
            t.pay += pay
            if floor is not None:
                t.floors.append(floor)
                if pay < floor:
                    t.below += 1
    return whole, parts
