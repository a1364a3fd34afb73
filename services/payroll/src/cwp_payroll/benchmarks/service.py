"""Benchmark use cases: compute a region's benchmark for a year; check it and announce
each region below its floor."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.events.contracts import PayrollBenchmarkBreached
from cwp_common.events.outbox import queue_event
from cwp_common.scope import ensure_writable
from cwp_payroll.benchmarks import rules
from cwp_payroll.benchmarks.repository import PaidYearRepository
from cwp_payroll.benchmarks.schemas import BenchmarkOut
from cwp_payroll.policy.models import PayPolicy
from cwp_payroll.policy.repository import PolicyRepository, ReferenceWageRepository
from cwp_payroll.policy.rules import Dated, Floors, MissingReferenceWage, WageKey, resolve
from cwp_payroll.policy.schemas import Benchmark


def _region(principal: Principal, region: str | None) -> str:
    region = principal.region if region is None else region
    if not region.startswith(principal.region):
        # Outside the scope: the same answer as a region with nobody in it would leak
        # nothing, but asking is an error of the caller's.
        ensure_writable(principal, region)
    return region


async def compute(
    session: AsyncSession, principal: Principal, region: str | None, year: int
) -> BenchmarkOut:
    region = _region(principal, region)
    paid = await PaidYearRepository(session, principal).year(region, year)
    policies = await PolicyRepository(session, principal).applicable(region, "benchmark")
    wages = await ReferenceWageRepository(session, principal).table()
    floors_of = _floors(policies, wages, year)
    whole, parts = rules.tally(region, paid, floors_of)
    return BenchmarkOut.from_model(region, year, whole, parts)


def _floors(
    policies: Sequence[PayPolicy], wages: dict[WageKey, int], year: int
) -> Callable[[str], Floors | None]:
    """Each community's floors: the benchmark policy in force at the year's end."""
    items = [Dated(p.jurisdiction, p.effective_date, p) for p in policies]
    compiled: dict[uuid.UUID, Floors | None] = {}

    @lru_cache(maxsize=4096)
    def floors_of(code: str) -> Floors | None:
        found = resolve(items, code, date(year, 12, 31))
        if found is None:
            return None
        p = found.value
        if p.id not in compiled:
            try:
                doc = Benchmark.model_validate(orjson.loads(p.body))
                compiled[p.id] = Floors.compile(doc, wages, year)
            except MissingReferenceWage:
                compiled[p.id] = None
        return compiled[p.id]

    return floors_of


async def check(
    session: AsyncSession, principal: Principal, region: str | None, year: int
) -> BenchmarkOut:
    """Compute and stage one breach event per region a level down with workers below
    their floor."""
    async with session.begin():
        out = await compute(session, principal, region, year)
        reported = 0
        for r in out.by_region:
            if r.below_floor == 0 or r.floor is None:
                continue
            await queue_event(
                session,
                PayrollBenchmarkBreached(
                    region=r.region,
                    jurisdiction=out.region,
                    year=year,
                    workers=r.workers,
                    below_floor=r.below_floor,
                    floor=Decimal(r.floor),
                    average_pay=Decimal(r.average_pay),
                ),
                r.region,
            )
            reported += 1
    out.breaches_reported = reported
    return out
