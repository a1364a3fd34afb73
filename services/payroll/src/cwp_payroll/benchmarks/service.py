"""Benchmark use cases: compute a region's benchmark for a year; check it and announce
each region below its floor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

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
from cwp_payroll.policy.rules import Floors, MissingReferenceWage, WageKey
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
    policies = await PolicyRepository(session, principal).applicable(region, "benchmark")
    wages = await ReferenceWageRepository(session, principal).table()
    floors = _floors(policies, wages, year)
    sums = await PaidYearRepository(session, principal).sums(
        region, year, rules.sub_level(region), floors
    )
    whole, parts = rules.tally(sums)
    return BenchmarkOut.from_model(region, year, whole, parts)


def _floors(policies: Sequence[PayPolicy], wages: dict[WageKey, int], year: int) -> rules.FloorSql:
    """The benchmark policies in force at the year's end, most specific first: for each
    jurisdiction the latest one in effect (resolve's choice, per community)."""
    end = date(year, 12, 31)
    latest: dict[str, PayPolicy] = {}
    for p in policies:
        if p.effective_date > end:
            continue
        if p.jurisdiction not in latest or p.effective_date > latest[p.jurisdiction].effective_date:
            latest[p.jurisdiction] = p
    compiled: list[tuple[str, Floors | None]] = []
    for jurisdiction in sorted(latest, key=len, reverse=True):
        doc = Benchmark.model_validate(orjson.loads(latest[jurisdiction].body))
        try:
            compiled.append((jurisdiction, Floors.compile(doc, wages, year)))
        except MissingReferenceWage:
            compiled.append((jurisdiction, None))
    return rules.FloorSql(tuple(compiled))


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
