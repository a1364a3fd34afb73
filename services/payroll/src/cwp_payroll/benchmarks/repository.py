"""The year's pay per worker, for workers now in the caller's scope and region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_payroll.benchmarks.rules import PaidYear
from cwp_payroll.runs.models import Payslip
from cwp_payroll.workers.models import PayWorker


class PaidYearRepository(Repository[PayWorker]):
    model = PayWorker
    key = PayWorker.worker_id
    scope_column = PayWorker.community_code
    label = "Worker"

    async def year(self, region: str, year: int) -> list[PaidYear]:
        stmt = (
            select(
                PayWorker.position,
                PayWorker.community_code,
                func.sum(Payslip.gross),
                func.sum(Payslip.employer_cost - Payslip.gross),
                func.count(),
            )
            .join(Payslip, Payslip.worker_id == PayWorker.worker_id)
            .where(
                Payslip.period >= year * 100 + 1,
                Payslip.period <= year * 100 + 12,
                region_clause(PayWorker.community_code, region),
            )
            .group_by(PayWorker.worker_id, PayWorker.position, PayWorker.community_code)
        )
        rows: Any = (await self.session.execute(self.scope(stmt))).all()  # type: ignore[arg-type]
        return [PaidYear(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]
