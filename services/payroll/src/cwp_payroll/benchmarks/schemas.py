"""Benchmark answers; money as decimal strings."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from cwp_payroll.benchmarks.rules import Tally
from cwp_payroll.money import yuan


class RegionOut(BaseModel):
    region: str
    workers: int
    below_floor: int
    floor: str | None
    average_pay: str

    @classmethod
    def from_model(cls, region: str, t: Tally) -> RegionOut:
        floor = t.floor
        return cls(
            region=region,
            workers=t.workers,
            below_floor=t.below,
            floor=yuan(floor) if floor is not None else None,
            average_pay=yuan(t.average),
        )


class BenchmarkOut(BaseModel):
    region: str
    year: int
    workers: int
    below_floor: int
    share_below_floor: str | None
    floor: str | None
    average_pay: str
    by_region: list[RegionOut]
    breaches_reported: int = 0

    @classmethod
    def from_model(
        cls, region: str, year: int, whole: Tally, parts: dict[str, Tally]
    ) -> BenchmarkOut:
        share = (
            str((Decimal(whole.below) / Decimal(whole.workers)).quantize(Decimal("0.0001")))
            if whole.workers
            else None
        )
        floor = whole.floor
        return cls(
            region=region,
            year=year,
            workers=whole.workers,
            below_floor=whole.below,
            share_below_floor=share,
            floor=yuan(floor) if floor is not None else None,
            average_pay=yuan(whole.average),
            by_region=[RegionOut.from_model(r, t) for r, t in sorted(parts.items())],
        )
