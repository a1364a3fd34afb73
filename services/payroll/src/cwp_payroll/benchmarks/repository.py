"""The year's pay against the floors, aggregated in SQL: one row per region a level
down (GROUP BY), for workers now in the caller's scope and region.

Each worker's annual pay (annualised from the months paid, with or without the
employer's contributions as the policy says) and floor are SQL expressions built from
the few benchmark policies that apply (cwp_payroll.benchmarks.rules.FloorSql), so the
database returns a handful of rows however many workers the region has."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select

from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_payroll.benchmarks.rules import FloorSql, RegionSums
from cwp_payroll.runs.models import Payslip
from cwp_payroll.workers.models import PayWorker


def _round_div(numerator: Any, denominator: Any) -> Any:
    """round_div in SQL: half away from zero, in integers (`//`: SQLAlchemy's integer
    division; `/` would be a true division on PostgreSQL)."""
    twice = 2 * denominator
    return case(
        (numerator >= 0, (2 * numerator + denominator) // twice),
        else_=-((-2 * numerator + denominator) // twice),
    )


class PaidYearRepository(Repository[PayWorker]):
    model = PayWorker
    key = PayWorker.worker_id
    scope_column = PayWorker.community_code
    label = "Worker"

    async def sums(self, region: str, year: int, width: int, floors: FloorSql) -> list[RegionSums]:
        stmt: Any = (
            select(
                PayWorker.position.label("position"),
                PayWorker.community_code.label("code"),
                # PostgreSQL sums bigints as numeric: cast back, or the divisions
                # below would not be integer ones.
                cast(func.sum(Payslip.gross), BigInteger).label("gross"),
                cast(func.sum(Payslip.employer_cost - Payslip.gross), BigInteger).label("employer"),
                func.count().label("months"),
            )
            .join(Payslip, Payslip.worker_id == PayWorker.worker_id)
            .where(
                Payslip.period >= year * 100 + 1,
                Payslip.period <= year * 100 + 12,
                region_clause(PayWorker.community_code, region),
            )
            .group_by(PayWorker.worker_id, PayWorker.position, PayWorker.community_code)
        )
        per_worker = self.scope(stmt).subquery()
        w = per_worker.c
        total = floors.total(w.code, w.gross, w.employer)
        annual = _round_div(total * 12, w.months)
        floor = floors.floor(w.code, w.position)
        paid = select(
            func.substr(w.code, 1, width).label("region"),
            annual.label("pay"),
            floor.label("floor"),
        ).subquery()
        p = paid.c
        below = case(((p.floor.is_not(None)) & (p.pay < p.floor), literal(1)), else_=literal(0))
        stmt = (
            select(
                p.region,
                func.count(),
                func.sum(cast(below, Integer)),
                func.sum(p.pay),
                func.coalesce(func.sum(p.floor), 0),
                func.count(p.floor),
            )
            .group_by(p.region)
            .order_by(p.region)
        )
        rows: Any = (await self.session.execute(stmt)).all()
        return [
            RegionSums(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows
        ]
