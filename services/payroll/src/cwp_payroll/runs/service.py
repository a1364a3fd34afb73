"""Payroll run use cases: start, rerun, approve, lock, read. A run's chunks go on the
work queue after the commit (cwp_payroll.runs.jobs); the replicas compute them."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.db import new_id, transaction, utcnow
from cwp_common.events.contracts import PayrollRunCompleted, PayrollRunLocked
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.outbox import queue_event
from cwp_common.pagination import Page
from cwp_common.redact import describe
from cwp_common.scope import ensure_writable
from cwp_payroll.runs import exceptions as errors
from cwp_payroll.runs import writer
from cwp_payroll.runs.compute import run_facts
from cwp_payroll.runs.jobs import dispatch_pending
from cwp_payroll.runs.models import Run
from cwp_payroll.runs.repository import (
    ChunkRepository,
    FailureRepository,
    RunRepository,
    street_keys,
)
from cwp_payroll.runs.rules import month_of
from cwp_payroll.runs.schemas import ChunkOut, FailureOut, RunIn, RunOut

log = logging.getLogger("cwp.payroll.runs")
FIRST_PERIOD = 201901  # the cumulative withholding rules start in 2019


def check_period(period: int, today: date) -> None:
    if period > today.year * 100 + today.month:
        raise errors.FuturePeriod
    if period < FIRST_PERIOD:
        raise errors.PeriodTooEarly


async def start_run(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    body: RunIn,
    today: date,
    link: NatsLink | None,
) -> RunOut:
    check_period(body.period, today)
    ensure_writable(principal, body.jurisdiction)
    first, last = month_of(body.period)
    async with transaction(sessions) as session:
        runs = RunRepository(session, principal)
        if await runs.overlapping(body.jurisdiction, body.period) is not None:
            raise errors.RunExists
        await writer.ensure_partition(session, body.period)
        keys = await street_keys(session, body.jurisdiction, first, last)
        now = utcnow()
        run = Run(
            id=new_id(),
            jurisdiction=body.jurisdiction,
            period=body.period,
            state="draft",
            status="running",
            attempt=1,
            dispatched_attempt=0,
            annual_bonus=body.annual_bonus,
            chunks_total=len(keys),
            chunks_done=0,
            chunks_failed=0,
            payslips=0,
            failures=0,
            gross=0,
            net=0,
            tax=0,
            employer_cost=0,
            started_at=now,
            created_by=principal.subject,
            updated_at=now,
        )
        runs.add(run)
        await session.flush()
        await writer.reset_chunks(session, run, keys)
        if not keys:
            await _nothing_to_pay(session, run)
    await _dispatch(sessions, link)
    return RunOut.from_model(run, utcnow())


async def rerun(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    run_id: uuid.UUID,
    link: NatsLink | None,
) -> RunOut:
    """Compute a draft again from the projection as it is now; its payslips are
    replaced chunk by chunk, never added."""
    async with transaction(sessions) as session:
        run = await RunRepository(session, principal).get_or_404(run_id, for_update=True)
        ensure_writable(principal, run.jurisdiction)
        if run.state == "locked":
            raise errors.RunLocked
        if run.state != "draft":
            raise errors.RunNotDraft
        first, last = month_of(run.period)
        keys = await street_keys(session, run.jurisdiction, first, last)
        run.attempt += 1
        run.status = "running"
        run.chunks_total = len(keys)
        run.chunks_done = run.chunks_failed = 0
        run.payslips = run.failures = 0
        run.gross = run.net = run.tax = run.employer_cost = 0
        run.started_at = run.updated_at = utcnow()
        run.finished_at = None
        await session.flush()
        await writer.reset_chunks(session, run, keys)
        if not keys:
            await _nothing_to_pay(session, run)
    await _dispatch(sessions, link)
    return RunOut.from_model(run, utcnow())


async def _nothing_to_pay(session: AsyncSession, run: Run) -> None:
    run.status = "completed"
    run.finished_at = utcnow()
    run.dispatched_attempt = run.attempt
    await queue_event(session, PayrollRunCompleted(**run_facts(run)), str(run.id))


async def _dispatch(sessions: async_sessionmaker[AsyncSession], link: NatsLink | None) -> None:
    """Put the jobs on the queue now; when NATS is down the replicas' dispatch loop
    does it once it is back."""
    if link is None or not link.connected:
        return
    try:
        await dispatch_pending(sessions, link)
    except Exception as exc:
        log.warning("chunks not dispatched yet (%s); the dispatch loop retries", describe(exc))


async def approve(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> RunOut:
    async with session.begin():
        run = await RunRepository(session, principal).get_or_404(run_id, for_update=True)
        ensure_writable(principal, run.jurisdiction)
        if run.state == "locked":
            raise errors.RunLocked
        if run.state != "draft":
            raise errors.RunNotDraft
        if run.status != "completed":
            raise errors.RunStillRunning
        run.state = "approved"
        run.approved_by = principal.subject
        run.updated_at = utcnow()
    return RunOut.from_model(run, utcnow())


async def lock(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> RunOut:
    async with session.begin():
        run = await RunRepository(session, principal).get_or_404(run_id, for_update=True)
        ensure_writable(principal, run.jurisdiction)
        if run.state == "locked":
            raise errors.RunLocked
        if run.state != "approved":
            raise errors.RunNotApproved
        run.state = "locked"
        run.locked_by = principal.subject
        run.updated_at = utcnow()
        await queue_event(
            session, PayrollRunLocked(**run_facts(run), locked_by=principal.subject), str(run.id)
        )
    return RunOut.from_model(run, utcnow())


async def get_run(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> Run:
    return await RunRepository(session, principal).get_or_404(run_id)


async def list_runs(
    session: AsyncSession,
    principal: Principal,
    period: int | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> Page[RunOut]:
    rows, nxt = await RunRepository(session, principal).find(period, state, cursor, limit)
    now = utcnow()
    return Page(items=[RunOut.from_model(r, now) for r in rows], next_cursor=nxt)


async def chunks(
    session: AsyncSession,
    principal: Principal,
    run_id: uuid.UUID,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ChunkOut]:
    await RunRepository(session, principal).get_or_404(run_id)
    rows, nxt = await ChunkRepository(session, principal).of_run(run_id, state, cursor, limit)
    return Page(items=[ChunkOut.from_model(c) for c in rows], next_cursor=nxt)


async def failures(
    session: AsyncSession, principal: Principal, run_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[FailureOut]:
    await RunRepository(session, principal).get_or_404(run_id)
    rows, nxt = await FailureRepository(session, principal).of_run(run_id, cursor, limit)
    return Page(items=[FailureOut.from_model(f) for f in rows], next_cursor=nxt)
