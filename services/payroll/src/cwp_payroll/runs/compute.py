"""One chunk of a run (a street's workers), computed and written in one transaction.

Idempotent: a chunk already done for the run's current attempt is skipped, one of an
earlier attempt is dropped, and otherwise whatever an earlier try wrote is replaced. So a
job delivered twice (its replica died after the commit, before the ack) changes nothing,
and a rerun never pays twice."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import transaction, utcnow
from cwp_common.events.contracts import PayrollRunCompleted
from cwp_common.events.outbox import queue_event
from cwp_common.repository import PLATFORM
from cwp_payroll.money import yuan
from cwp_payroll.policy.models import PayPolicy
from cwp_payroll.policy.repository import PolicyRepository, ReferenceWageRepository
from cwp_payroll.policy.rules import (
    Contributions,
    Dated,
    MissingReferenceWage,
    Standard,
    WageKey,
    resolve,
)
from cwp_payroll.policy.schemas import Insurance, PayStandard
from cwp_payroll.runs import rules, writer
from cwp_payroll.runs.models import Run
from cwp_payroll.runs.repository import ChunkReads, RunRepository
from cwp_payroll.tax.rules import YearToDate
from cwp_payroll.workers.models import GradeChange

log = logging.getLogger("cwp.payroll.runs")
NO_YTD = YearToDate()
TOTALS = ("payslips", "failures", "gross", "net", "tax", "employer_cost")


@dataclass(frozen=True)
class ChunkOutcome:
    computed: bool
    payslips: int = 0
    failures: int = 0
    seconds: float = 0.0
    completed: bool = False  # this chunk was the run's last


@lru_cache(maxsize=256)
def _parsed(policy_id: uuid.UUID, kind: str, body: str) -> PayStandard | Insurance:
    """Published documents never change: parse each once per process."""
    model = PayStandard if kind == "standard" else Insurance
    return model.model_validate(orjson.loads(body))


class PolicyBook:
    """The documents and reference wages that can apply inside one chunk, compiled once
    for the month and resolved per community."""

    def __init__(
        self, policies: Sequence[PayPolicy], wages: dict[WageKey, int], year: int, day: date
    ) -> None:
        self.year = year
        self.day = day
        self.wages = wages
        self.items: dict[str, list[Dated[PayPolicy]]] = {"standard": [], "insurance": []}
        for p in policies:
            if p.kind in self.items:
                self.items[p.kind].append(Dated(p.jurisdiction, p.effective_date, p, p.example))
        self._compiled: dict[uuid.UUID, Any] = {}
        self._by_code: dict[tuple[str, str], Any] = {}

    def _compile(self, p: PayPolicy) -> Any:
        if p.id not in self._compiled:
            doc = _parsed(p.id, p.kind, p.body)
            try:
                if isinstance(doc, PayStandard):
                    self._compiled[p.id] = Standard.compile(doc, p.example, self.wages, self.year)
                else:
                    self._compiled[p.id] = Contributions.compile(
                        doc, p.example, self.wages, self.year
                    )
            except MissingReferenceWage:
                self._compiled[p.id] = None
        return self._compiled[p.id]

    def get(self, kind: str, code: str) -> Any:
        """The compiled document of `kind` for a community; None when none applies;
        raises Refused when its reference wage is missing."""
        key = (kind, code)
        if key not in self._by_code:
            found = resolve(self.items[kind], code, self.day)
            self._by_code[key] = (
                ("missing",) if found is None else ("ok", self._compile(found.value))
            )
        entry = self._by_code[key]
        if entry[0] == "missing":
            return None
        if entry[1] is None:
            raise rules.Refused("no_reference_wage")
        return entry[1]


def _arrears(changes: Sequence[GradeChange], paid: Sequence[Any]) -> dict[uuid.UUID, int]:
    """Per worker: what back-dated grade changes add to (or take from) months already
    paid at the coefficient they replace."""
    months: dict[uuid.UUID, list[tuple[int, int, int]]] = {}
    for worker_id, period, base, coefficient in paid:
        months.setdefault(worker_id, []).append((period, base, coefficient))
    due: dict[uuid.UUID, int] = {}
    for c in changes:
        since = c.effective_date.year * 100 + c.effective_date.month
        for period, base, coefficient in months.get(c.worker_id, ()):
            if period >= since and coefficient == c.previous_coefficient_e4:
                amount = rules.arrears_for(base, coefficient, c.coefficient_e4)
                due[c.worker_id] = due.get(c.worker_id, 0) + amount
    return due


async def compute_chunk(
    sessions: async_sessionmaker[AsyncSession],
    run_id: uuid.UUID,
    key: str,
    attempt: int,
    demo_region: str,
) -> ChunkOutcome:
    started = time.perf_counter()
    async with transaction(sessions) as session:
        run = await RunRepository(session, PLATFORM).get(run_id)
        if run is None or run.attempt != attempt or run.state != "draft":
            return ChunkOutcome(computed=False)  # an old job, or a run that moved on
        first, last = rules.month_of(run.period)
        reads = ChunkReads(session, run, key, first, last)
        chunk = await reads.chunk_for_update()
        if chunk is None or (chunk.state in ("done", "failed") and chunk.attempt == run.attempt):
            return ChunkOutcome(computed=False)
        policies = await PolicyRepository(session, PLATFORM).applicable(key, "standard")
        policies = [
            *policies,
            *await PolicyRepository(session, PLATFORM).applicable(key, "insurance"),
        ]
        wages = await ReferenceWageRepository(session, PLATFORM).table()
        book = PolicyBook(policies, wages, run.period // 100, last)

        workers = await reads.workers()
        ytd = await reads.year_to_date()
        bases = await reads.bases()
        bonuses = await reads.bonus_lines()
        elsewhere = await reads.paid_elsewhere() if await reads.other_runs() else set()
        changes = await reads.unsettled_changes()
        arrears: dict[uuid.UUID, int] = {}
        if changes:
            since = min(c.effective_date.year * 100 + c.effective_date.month for c in changes)
            months = await reads.paid_months(sorted({c.worker_id for c in changes}), since)
            arrears = _arrears(changes, months)

        if run.attempt > 1:  # a first attempt's chunk has nothing committed to replace
            await writer.clear_chunk(session, run, key, reads.members())
        rows, failed, one_offs = _compute_all(
            run,
            key,
            workers,
            book,
            ytd,
            bases,
            bonuses,
            elsewhere,
            arrears,
            demo_region,
            first,
            last,
        )
        await writer.insert_payslips(session, rows)
        await writer.insert_failures(session, run.id, key, failed)
        paid = {r[0] for r in rows}
        await writer.settle(
            session, run.id, [c.id for c in changes if c.worker_id in paid], one_offs
        )
        g, t, b, n, e = rules.GROSS, rules.TAX, rules.BONUS_TAX, rules.NET, rules.EMPLOYER_COST
        totals = {
            "payslips": len(rows),
            "failures": len(failed),
            "gross": sum(r[g] for r in rows),
            "net": sum(r[n] for r in rows),
            "tax": sum(r[t] + r[b] for r in rows),
            "employer_cost": sum(r[e] for r in rows),
        }
        completed = await writer.finish_chunk(session, run, key, totals)
        if completed:
            await _complete(session, run)
    return ChunkOutcome(
        computed=True,
        payslips=len(rows),
        failures=len(failed),
        seconds=time.perf_counter() - started,
        completed=completed,
    )


def _compute_all(
    run: Run,
    key: str,
    workers: Sequence[Any],
    book: PolicyBook,
    ytd: dict[uuid.UUID, YearToDate],
    bases: dict[uuid.UUID, int],
    bonuses: dict[uuid.UUID, int],
    elsewhere: set[uuid.UUID],
    arrears: dict[uuid.UUID, int],
    demo_region: str,
    first: date,
    last: date,
) -> tuple[list[tuple[Any, ...]], list[tuple[uuid.UUID, str, str]], list[tuple[uuid.UUID, str]]]:
    months = {
        demo: rules.Month(run.period, first, last, run.annual_bonus, demo) for demo in (True, False)
    }
    rows: list[tuple[Any, ...]] = []
    tail = (run.id, key)  # the COPY record ends with run_id and chunk
    failed: list[tuple[uuid.UUID, str, str]] = []
    one_offs: list[tuple[uuid.UUID, str]] = []
    for w in workers:
        (
            worker_id,
            name,
            code,
            position,
            start,
            category,
            grade,
            coefficient,
            example,
            qualification,
            qualified_on,
            one_off_level,
            one_off_run,
            additional,
            separate,
        ) = w
        if worker_id in elsewhere:
            failed.append((worker_id, code, "paid_by_another_run"))
            continue
        one_off_due = qualification is not None and (
            one_off_level != qualification or one_off_run == run.id
        )
        pay = rules.WorkerPay(
            worker_id,
            name,
            code,
            position,
            start,
            category,
            grade,
            coefficient,
            example,
            qualification,
            qualified_on,
            one_off_due,
            additional,
            separate,
        )
        demo = bool(demo_region) and code.startswith(demo_region)
        try:
            values = rules.compute_row(
                pay,
                months[demo],
                book.get("standard", code),
                book.get("insurance", code),
                ytd.get(worker_id, NO_YTD),
                arrears.get(worker_id, 0),
                bases.get(worker_id),
                bonuses.get(worker_id, 0),
            )
        except rules.Refused as refused:
            failed.append((worker_id, code, refused.reason))
            continue
        except Exception:  # one worker's bad data never fails the run
            log.exception("payslip of one worker failed")
            failed.append((worker_id, code, "invalid_data"))
            continue
        if (
            pay.one_off_due
            and qualification
            and "qualification_one_off" in str(values[rules.LINES])
        ):
            one_offs.append((worker_id, qualification))
        rows.append(values + tail)
    return rows, failed, one_offs


async def _complete(session: AsyncSession, run: Run) -> None:
    """Every chunk settled: completed (and announced) when all were paid, failed when
    one kept failing (the run's JSON and its chunks say which and why)."""
    await session.refresh(run)  # the counters were added set-based
    run.finished_at = utcnow()
    if run.chunks_failed:
        run.status = "failed"
        log.error("run %s finished with %d failed chunks", run.id, run.chunks_failed)
        return
    run.status = "completed"
    await queue_event(session, PayrollRunCompleted(**run_facts(run)), str(run.id))


async def give_up_chunk(
    sessions: async_sessionmaker[AsyncSession],
    run_id: uuid.UUID,
    key: str,
    attempt: int,
    reason: str,
    deliveries: int,
) -> bool:
    """Mark a chunk that kept failing as failed (unless the run moved on, or the chunk
    got done after all); returns whether the run finished with it."""
    async with transaction(sessions) as session:
        run = await RunRepository(session, PLATFORM).get(run_id)
        if run is None or run.attempt != attempt or run.state != "draft":
            return False
        first, last = rules.month_of(run.period)
        chunk = await ChunkReads(session, run, key, first, last).chunk_for_update()
        if chunk is None or (chunk.state in ("done", "failed") and chunk.attempt == run.attempt):
            return False
        finished = await writer.fail_chunk(session, run, key, reason, deliveries)
        if finished:
            await _complete(session, run)
    return finished


def run_facts(run: Run) -> dict[str, Any]:
    """The totals every run event carries."""
    return {
        "run_id": str(run.id),
        "jurisdiction": run.jurisdiction,
        "period": period_text(run.period),
        "attempt": run.attempt,
        "payslips": run.payslips,
        "failures": run.failures,
        "gross": Decimal(yuan(run.gross)),
        "net": Decimal(yuan(run.net)),
        "tax": Decimal(yuan(run.tax)),
        "employer_cost": Decimal(yuan(run.employer_cost)),
    }


def period_text(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"
