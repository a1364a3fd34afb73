"""Queries of payroll runs: runs and their failures scoped by the run's jurisdiction;
the chunk reads (workers of a street, their year to date, grade changes to settle) act
for the platform inside a run the caller was allowed to start."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_payroll.bonuses.models import BonusLine
from cwp_payroll.money import round_div
from cwp_payroll.runs.models import Payslip, Run, RunChunk, RunFailure
from cwp_payroll.tax.rules import YearToDate
from cwp_payroll.workers.models import GradeChange, PayWorker


class RunRepository(Repository[Run]):
    model = Run
    key = Run.id
    scope_column = Run.jurisdiction
    label = "Run"

    async def find(
        self, period: int | None, state: str | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[Run], str | None]:
        stmt = self.where_given(self.scoped(), (Run.period, period), (Run.state, state))
        return await self.page(stmt, cursor, limit)

    async def overlapping(self, jurisdiction: str, period: int) -> Run | None:
        """National on purpose: a run of this month whose jurisdiction contains or lies
        within this one, whoever started it (two of them would pay a worker twice)."""
        ancestors = [jurisdiction[:n] for n in range(len(jurisdiction) + 1)]
        stmt = select(Run).where(
            Run.period == period,
            or_(Run.jurisdiction.in_(ancestors), region_clause(Run.jurisdiction, jurisdiction)),
        )
        return await self.session.scalar(stmt.limit(1))

    async def undispatched(self) -> Sequence[Run]:
        """Runs whose latest attempt's jobs are not all on the work queue yet."""
        stmt = self.scoped().where(Run.status == "running", Run.dispatched_attempt < Run.attempt)
        return (await self.session.scalars(stmt)).all()


class FailureRepository(Repository[RunFailure]):
    model = RunFailure
    key = RunFailure.worker_id
    scope_column = RunFailure.community_code
    label = "Failure"

    async def of_run(
        self, run_id: uuid.UUID, cursor: str | None, limit: int
    ) -> tuple[Sequence[RunFailure], str | None]:
        return await self.page(self.scoped().where(RunFailure.run_id == run_id), cursor, limit)


class ChunkRepository(Repository[RunChunk]):
    """A run's chunks; the caller's access is to the run (checked first)."""

    model = RunChunk
    key = RunChunk.key
    label = "Chunk"

    async def of_run(
        self, run_id: uuid.UUID, state: str | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[RunChunk], str | None]:
        stmt = self.where_given(
            select(RunChunk).where(RunChunk.run_id == run_id), (RunChunk.state, state)
        )
        return await self.page(stmt, cursor, limit)


def street_key(code: str, jurisdiction: str) -> str:
    """The chunk of a community: its street (9 digits), or the run's own jurisdiction
    when that is narrower than a street."""
    return code[: max(9, len(jurisdiction))]


def eligible(first: date, last: date) -> ColumnElement[bool]:
    """Workers paid for a month: hired by its last day, not gone before its first."""
    return and_(
        PayWorker.hire_date <= last,
        or_(PayWorker.status != "exited", PayWorker.exit_date >= first),
    )


@dataclass
class ChunkReads:
    """The reads of one chunk (a street of a run), all for the platform."""

    session: Any
    run: Run
    key: str
    first: date
    last: date

    def members(self) -> AnySelect:
        return select(PayWorker.worker_id).where(
            region_clause(PayWorker.community_code, self.key),
            region_clause(PayWorker.community_code, self.run.jurisdiction),
        )

    async def workers(self) -> Sequence[Any]:
        stmt = (
            select(
                PayWorker.worker_id,
                PayWorker.name,
                PayWorker.community_code,
                PayWorker.position,
                PayWorker.service_start_date,
                PayWorker.category,
                PayWorker.grade,
                PayWorker.coefficient_e4,
                PayWorker.grade_example,
                PayWorker.qualification,
                PayWorker.qualification_date,
                PayWorker.one_off_level,
                PayWorker.one_off_run_id,
                PayWorker.additional_deductions,
                PayWorker.bonus_separate,
            )
            .where(
                region_clause(PayWorker.community_code, self.key),
                region_clause(PayWorker.community_code, self.run.jurisdiction),
                eligible(self.first, self.last),
            )
            .order_by(PayWorker.community_code, PayWorker.worker_id)
        )
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return rows

    async def year_to_date(self) -> dict[uuid.UUID, YearToDate]:
        period = self.run.period
        if period % 100 == 1:
            return {}  # January: nothing before it in the tax year
        stmt = (
            select(
                Payslip.worker_id,
                func.count(),
                func.sum(Payslip.tax_income),
                func.sum(Payslip.special_deductions),
                func.sum(Payslip.additional_deductions),
                func.sum(Payslip.tax),
                func.max(Payslip.bonus_tax),
            )
            .where(
                Payslip.period >= period // 100 * 100 + 1,
                Payslip.period < period,
                Payslip.worker_id.in_(self.members()),
            )
            .group_by(Payslip.worker_id)
        )
        rows = (await self.session.execute(stmt)).all()
        # A month with a bonus tax taxed its bonus separately (combined, the bonus is in
        # the month's income and its bonus tax is 0).
        return {
            r[0]: YearToDate(
                int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), bool(r[6] and r[6] > 0)
            )
            for r in rows
        }

    async def bases(self) -> dict[uuid.UUID, int]:
        """Each worker's contribution basis for the run's year: the average monthly pay
        (gross) of the previous year's payslips; for one paid then by no run (a new
        hire), the basis an earlier month of this year set."""
        year = self.run.period // 100
        last_year = (
            select(Payslip.worker_id, func.sum(Payslip.gross), func.count())
            .where(
                Payslip.period >= (year - 1) * 100 + 1,
                Payslip.period <= (year - 1) * 100 + 12,
                Payslip.worker_id.in_(self.members()),
            )
            .group_by(Payslip.worker_id)
        )
        out = {
            r[0]: round_div(int(r[1]), int(r[2]))
            for r in (await self.session.execute(last_year)).all()
        }
        if self.run.period % 100 != 1:
            this_year = (
                select(Payslip.worker_id, func.max(Payslip.pay_basis))
                .where(
                    Payslip.period >= year * 100 + 1,
                    Payslip.period < self.run.period,
                    Payslip.pay_basis.is_not(None),
                    Payslip.worker_id.in_(self.members()),
                )
                .group_by(Payslip.worker_id)
            )
            for worker_id, basis in (await self.session.execute(this_year)).all():
                out.setdefault(worker_id, int(basis))
        return out

    async def bonus_lines(self) -> dict[uuid.UUID, int]:
        """The annual one-off bonuses staff entered for the run's month, per worker."""
        stmt = select(BonusLine.worker_id, BonusLine.amount).where(
            BonusLine.period == self.run.period, BonusLine.worker_id.in_(self.members())
        )
        return {r[0]: int(r[1]) for r in (await self.session.execute(stmt)).all()}

    async def other_runs(self) -> bool:
        """Whether another run pays this month anywhere (a worker who moved may have
        been paid by it)."""
        stmt = select(Run.id).where(Run.period == self.run.period, Run.id != self.run.id)
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def paid_elsewhere(self) -> set[uuid.UUID]:
        stmt = select(Payslip.worker_id).where(
            Payslip.period == self.run.period,
            Payslip.run_id != self.run.id,
            Payslip.worker_id.in_(self.members()),
        )
        return set((await self.session.scalars(stmt)).all())

    async def unsettled_changes(self) -> Sequence[GradeChange]:
        """Back-dated grade changes this run settles (or settled on an earlier attempt)."""
        stmt = select(GradeChange).where(
            GradeChange.worker_id.in_(self.members()),
            or_(GradeChange.settled_run_id.is_(None), GradeChange.settled_run_id == self.run.id),
            GradeChange.effective_date < self.first,
            GradeChange.previous_coefficient_e4.is_not(None),
        )
        changes: Sequence[GradeChange] = (await self.session.scalars(stmt)).all()
        return changes

    async def paid_months(self, worker_ids: Sequence[uuid.UUID], since: int) -> Sequence[Any]:
        """(worker, period, base, coefficient) of months already paid since `since`."""
        stmt = select(
            Payslip.worker_id, Payslip.period, Payslip.base, Payslip.coefficient_e4
        ).where(
            Payslip.worker_id.in_(list(worker_ids)),
            Payslip.period >= since,
            Payslip.period < self.run.period,
            Payslip.run_id != self.run.id,
        )
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return rows

    async def chunk_for_update(self) -> RunChunk | None:
        stmt = select(RunChunk).where(RunChunk.run_id == self.run.id, RunChunk.key == self.key)
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)  # type: ignore[no-any-return]


async def street_keys(session: Any, jurisdiction: str, first: date, last: date) -> list[str]:
    """The chunks of a run: the streets (or the one narrower jurisdiction) with workers
    to pay. National on purpose: the run's jurisdiction is already in the caller's scope."""
    width = max(9, len(jurisdiction))
    stmt = (
        select(func.substr(PayWorker.community_code, 1, width))
        .where(region_clause(PayWorker.community_code, jurisdiction), eligible(first, last))
        .distinct()
    )
    return sorted((await session.scalars(stmt)).all())
