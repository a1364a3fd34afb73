"""Benchmarks of pay against local wages (薪酬水平对标)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.service import SessionDep
from cwp_payroll.benchmarks import service
from cwp_payroll.benchmarks.schemas import BenchmarkOut

router = APIRouter(prefix="/api/v1/payroll", tags=["benchmarks"])

Region = Annotated[str | None, Query(pattern=r"^\d{0,12}$")]
Year = Annotated[int, Query(ge=2019, le=2100)]


@router.get("/benchmarks", response_model=BenchmarkOut)
async def benchmarks(
    principal: Reader, session: SessionDep, year: Year, region: Region = None
) -> BenchmarkOut:
    """A year's pay against the floors of the benchmark policy, for the region (the
    caller's own by default) and each region one level down."""
    return await service.compute(session, principal, region, year)


@router.post("/benchmarks/check", response_model=BenchmarkOut)
async def check(
    principal: Writer,
    session: SessionDep,
    year: Year,
    region: Annotated[str, Query(pattern=r"^\d{0,12}$")],
) -> BenchmarkOut:
    """The same benchmark, and a payroll.benchmark.breached.v1 event for each region
    one level down with workers below their floor."""
    return await service.check(session, principal, region, year)
