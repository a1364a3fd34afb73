"""Grading use cases: re-grade one worker after an event, or every worker under a
division-code prefix (a ladder published, the yearly step date) in keyset batches, each
batch one transaction: stream, compute with the pure rule, write set-based."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_career.db import dialect_of
from cwp_career.grading.exceptions import FutureAsOf
from cwp_career.grading.models import RegradeJob
from cwp_career.grading.repository import (
    GradingRepository,
    JobRepository,
    Keyset,
    current_of,
    facts_of,
    grading_row,
    keyset_of,
)
from cwp_career.grading.rules import Current, Outcome, grade, plan
from cwp_career.grading.schemas import JobOut
from cwp_career.grading.writer import (
    Change,
    ConcurrentUpdate,
    graded_values,
    relax_durability,
    write_changes,
)
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import Ladder, LadderBook
from cwp_common.auth import Principal
from cwp_common.bulk import gc_paused
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable

log = logging.getLogger("cwp.career.grading")


def compute_changes(rows: Sequence[Any], book: LadderBook, as_of: date) -> list[Change]:
    """The pure part of a mass regrade: grade each row and keep what differs."""
    ladders: dict[str, Ladder] = {}  # a prefecture resolves to one ladder per as-of date
    changes = []
    with gc_paused():
        for row in rows:
            key = row.community_code[:4]
            ladder = ladders.get(key)
            if ladder is None:
                ladder = ladders[key] = book.resolve(row.community_code, as_of)
            facts = facts_of(row)
            current = current_of(row)
            outcome = plan(current, grade(ladder, facts, as_of), None)
            if outcome is not None:
                changes.append(
                    Change(row.worker_id, row.community_code, facts, current, outcome, row.version)
                )
    return changes


@dataclass
class RegradeStats:
    examined: int = 0
    updated: int = 0  # worker rows written
    graded: int = 0  # grade changes: history rows and events
    batches: int = 0
    read_s: float = 0.0
    compute_s: float = 0.0
    write_s: float = 0.0
    events_s: float = 0.0  # part of write_s: building and staging the grade events


BatchHook = Callable[[AsyncSession, RegradeStats], Awaitable[None]]


async def regrade_region(
    sessions: async_sessionmaker[AsyncSession],
    prefix: str,
    as_of: date,
    *,
    batch_size: int,
    book: LadderBook | None = None,
    on_batch: BatchHook | None = None,
) -> RegradeStats:
    """Re-grade every projected, not exited worker whose community code starts with
    `prefix`. Each batch commits on its own; a rerun after a crash only finds the workers
    not yet re-graded, so the job is safe to repeat.

    Batches are read without locks; each worker row is written only if still at the
    version it was read at (an event handler that graded it meanwhile wins). On PostgreSQL
    the batches are pipelined: batch k+1 is read and graded in Python while the server
    writes and commits batch k on another connection, so the two cores work at once, and
    batch commits do not wait for the WAL flush (synchronous_commit off): a crash can lose
    the last committed batches, grade changes and their events together, and rerunning
    the job redoes them. On SQLite a batch that met a concurrent change is read again."""
    stats = RegradeStats()
    if book is None:
        async with sessions() as session:
            book = await LadderRepository(session, PLATFORM).book()
    after: Keyset | None = None
    writing: asyncio.Task[None] | None = None
    try:
        while True:
            session = sessions()
            try:
                # A batch makes a burst of short-lived objects: one collection afterwards
                # instead of dozens during it (about a third of the CPU otherwise).
                with gc_paused():
                    await session.begin()
                    pipelined = dialect_of(session) == "postgresql"
                    t0 = time.perf_counter()
                    rows = await GradingRepository(session, PLATFORM).batch(
                        prefix, after, batch_size
                    )
                    t1 = time.perf_counter()
                    changes = compute_changes(rows, book, as_of) if rows else []
                    stats.read_s += t1 - t0
                    stats.compute_s += time.perf_counter() - t1
                    if writing is not None:
                        await writing  # batches commit in order
                        writing = None
            except BaseException:
                await session.close()
                raise
            if not rows:
                await session.close()
                break
            job = _write_batch(session, len(rows), changes, stats, on_batch, pipelined)
            if pipelined:
                writing = asyncio.create_task(job)
            else:
                try:
                    await job
                except ConcurrentUpdate:
                    log.info(
                        "regrade %s: a batch met a concurrent change; reading it again", prefix
                    )
                    continue
            after = keyset_of(rows[-1])
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing
    return stats


async def _write_batch(
    session: AsyncSession,
    examined: int,
    changes: list[Change],
    stats: RegradeStats,
    on_batch: BatchHook | None,
    postgresql: bool,
) -> None:
    try:
        started = time.perf_counter()
        if postgresql:
            await relax_durability(session)
        with gc_paused():
            written = await write_changes(session, changes, utcnow(), bulk=True)
        stats.examined += examined
        stats.updated += written.updated
        stats.graded += written.graded
        stats.events_s += written.events_s
        stats.batches += 1
        if on_batch is not None:
            await on_batch(session, stats)
        await session.commit()
        stats.write_s += time.perf_counter() - started
    finally:
        await session.close()


def plan_regrade(
    row: Any, book: LadderBook, reason: str, business_date: date, today: date
) -> list[Change]:
    """The changes that re-grade one worker (a grading row) for an event that happened on
    `business_date`: on that day, then caught up to today (a backdated event may be
    followed by a step or a newer ladder). Pure; each change builds on the one before."""
    facts = facts_of(row)
    current = current_of(row)
    version = row.version
    as_of = min(max(business_date, current.effective_date or business_date), today)
    steps: list[tuple[date, str | None]] = [(as_of, reason)]
    if as_of < today:
        steps.append((today, None))
    changes = []
    for day, why in steps:
        grading = grade(book.resolve(row.community_code, day), facts, day)
        outcome = plan(current, grading, why, day if why else None)
        if outcome is None:
            continue
        changes.append(Change(row.worker_id, row.community_code, facts, current, outcome, version))
        version += 1
        current = Current(
            grading.category,
            grading.grade,
            grading.pay_coefficient,
            grading.ladder.id,
            outcome.effective_date if outcome.graded else current.effective_date,
            grading.next_step_date,
        )
    return changes


async def regrade_worker(
    session: AsyncSession,
    worker_id: uuid.UUID,
    *,
    reason: str,
    business_date: date,
    book: LadderBook | None = None,
) -> list[Outcome]:
    """Re-grade one worker for an event that happened on `business_date`, then catch up
    to today."""
    row = await GradingRepository(session, PLATFORM).one(worker_id)
    if row is None or row.status == "exited":
        return []
    book = book or await LadderRepository(session, PLATFORM).book()
    changes = plan_regrade(row, book, reason, business_date, today_in_china())
    for change in changes:
        await write_changes(session, [change], utcnow())
    return [c.outcome for c in changes]


@dataclass(frozen=True, slots=True)
class GradeRequest:
    worker_id: uuid.UUID
    reason: str
    business_date: date


async def grade_new_rows(
    session: AsyncSession, requests: Sequence[tuple[dict[str, Any], GradeRequest]]
) -> list[Change]:
    """regrade_worker for many workers not inserted yet (a batch of events, one request
    per worker, rows as the caller will insert them): the same plan per worker; each row gets its grade columns and version (writer.graded_values) as writing its
    changes would leave them; returns the changes, each worker's in order, for
    writer.write_records once the rows are in."""
    book = await LadderRepository(session, PLATFORM).book()
    today = today_in_china()
    out: list[Change] = []
    with gc_paused():
        for values, r in requests:
            row = grading_row(values)
            if row.status == "exited":
                continue
            changes = plan_regrade(row, book, r.reason, r.business_date, today)
            if changes:
                values.update(graded_values(changes))
                out.extend(changes)
    return out


def new_job(
    principal: Principal, prefix: str, as_of: date, reason: str, ladder_id: uuid.UUID | None
) -> RegradeJob:
    return RegradeJob(
        id=new_id(),
        jurisdiction=prefix,
        as_of=as_of,
        reason=reason,
        ladder_id=ladder_id,
        status="queued",
        examined=0,
        changed=0,
        requested_by=principal.subject,
        created_at=utcnow(),
    )


async def request_regrade(
    session: AsyncSession, principal: Principal, jurisdiction: str | None, as_of: date | None
) -> RegradeJob:
    """Queue a regrade of a prefix inside the caller's region (default: all of it)."""
    prefix = principal.region if jurisdiction is None else jurisdiction
    ensure_writable(principal, prefix)
    today = today_in_china()
    as_of = as_of or today
    if as_of > today:
        raise FutureAsOf()
    async with session.begin():
        job = new_job(principal, prefix, as_of, "step", None)
        JobRepository(session, principal).add(job)
    return job


async def get_job(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> JobOut:
    return JobOut.from_model(await JobRepository(session, principal).get_or_404(job_id))
