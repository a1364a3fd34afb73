"""Reading workers for grading and writing grade changes, set-based.

One writer serves a single event and a province-wide regrade alike: it updates the
worker rows, inserts the history rows and stages one grade event per changed worker in
the outbox, all in the caller's transaction. Large batches on PostgreSQL go through
COPY (into a temporary table joined by one UPDATE ... FROM, and straight into the
history and outbox tables); everything else uses executemany.
"""

from __future__ import annotations

import time
import uuid
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Select, Table, bindparam, insert, select, text, tuple_, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from cwp_career.bulk import gc_paused, new_ids
from cwp_career.db import EVENTS, dialect_of
from cwp_career.grading.models import GradeHistory, RegradeJob
from cwp_career.grading.rules import Current, Facts, Outcome, parse_years
from cwp_career.workers.models import Worker
from cwp_common.auth import Principal
from cwp_common.events.contracts import GradeAssigned, GradeChanged
from cwp_common.scope import region_clause

SOURCE = "cwp.career"
COPY_THRESHOLD = 200  # below this many rows, executemany beats a COPY round trip

W = cast(Table, Worker.__table__)
H = cast(Table, GradeHistory.__table__)
OUTBOX = EVENTS.outbox
GRADING_COLUMNS = (
    W.c.worker_id,
    W.c.community_code,
    W.c.position,
    W.c.education,
    W.c.qualification,
    W.c.skill_level,
    W.c.service_start_date,
    W.c.uncounted_years,
    W.c.status,
    W.c.category,
    W.c.grade,
    W.c.pay_coefficient,
    W.c.ladder_id,
    W.c.grade_effective_date,
    W.c.next_step_date,
    W.c.version,
)


def facts_of(row: Any) -> Facts:
    return Facts(
        row.position,
        row.education,
        row.qualification,
        row.skill_level,
        row.service_start_date,
        parse_years(row.uncounted_years),
    )


def current_of(row: Any) -> Current:
    return Current(
        row.category,
        row.grade,
        row.pay_coefficient,
        row.ladder_id,
        row.grade_effective_date,
        row.next_step_date,
    )


class JSONText(TypeDecorator[str]):
    """A JSON column bound from text that already is JSON: the history inputs are
    serialised once, for COPY and executemany alike, not decoded and encoded again."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


Keyset = tuple[str, uuid.UUID]  # keyset of a batch read: (community_code, worker_id)


def keyset_of(row: Any) -> Keyset:
    return row.community_code, row.worker_id


@dataclass(slots=True)
class Change:
    worker_id: uuid.UUID
    community_code: str
    facts: Facts
    current: Current
    outcome: Outcome
    version: int  # the worker row's version the change was computed from


class ConcurrentUpdate(Exception):
    """A worker row changed between reading and writing a batch; read it again."""


GradingRow = namedtuple("GradingRow", [c.name for c in GRADING_COLUMNS])  # type: ignore[misc]


async def _fetch(session: AsyncSession, stmt: Select[Any]) -> list[Any]:
    """A batch as GradingRow tuples. On PostgreSQL the statement (built with the usual
    scope clauses) runs on the driver directly: SQLAlchemy's per-row result processing
    cost more than the query and the grading together."""
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        return [GradingRow(*r) for r in (await session.execute(stmt)).all()]
    compiled = stmt.compile(dialect=conn.dialect)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg, inside the session's transaction
    records = await driver.fetch(str(compiled), *params)
    return [GradingRow(*r) for r in records]


async def grading_batch(
    session: AsyncSession, prefix: str, after: Keyset | None, limit: int
) -> list[Any]:
    """The next `limit` workers (not exited) under a division-code prefix, in the order
    of the (community_code, worker_id) index, which serves the region range and the
    keyset alike, for a province or a single street. Nothing is locked: the writes check
    each row's version instead."""
    stmt = (
        select(*GRADING_COLUMNS)
        .where(region_clause(W.c.community_code, prefix), W.c.status != "exited")
        .order_by(W.c.community_code, W.c.worker_id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(W.c.community_code, W.c.worker_id) > tuple_(*after))
    return await _fetch(session, stmt)


async def grading_row(session: AsyncSession, worker_id: uuid.UUID) -> Any | None:
    """One worker, locked on PostgreSQL until the caller's transaction ends."""
    stmt = select(*GRADING_COLUMNS).where(W.c.worker_id == worker_id)
    if dialect_of(session) == "postgresql":
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return GradingRow._make(row) if row is not None else None


def event_body(change: Change, event_id: str, time_iso: str) -> tuple[str, bytes]:
    """The CloudEvent for a grade change, built as plain data: a mass regrade stages a
    million of these, and the model round trip would cost more than the rest together.
    tests/career check that every body parses back into its contract."""
    g = change.outcome.grading
    worker_id = str(change.worker_id)
    data: dict[str, Any] = {
        "worker_id": worker_id,
        "community_code": change.community_code,
        "jurisdiction": g.ladder.jurisdiction,
        "ladder_id": g.ladder.ref,
        "category": g.category,
        "grade": g.grade,
        "pay_coefficient": str(g.pay_coefficient),
        "effective_date": change.outcome.effective_date.isoformat(),
        "reason": change.outcome.reason,
    }
    if change.outcome.first:
        kind = GradeAssigned.type
    else:
        kind = GradeChanged.type
        data["previous_grade"] = change.current.grade
        data["previous_category"] = change.current.category
    envelope = {
        "id": event_id,
        "source": SOURCE,
        "type": kind,
        "specversion": "1.0",
        "time": time_iso,
        "subject": worker_id,
        "datacontenttype": "application/json",
        "data": data,
    }
    return kind, orjson.dumps(envelope)


def _worker_update(c: Change) -> tuple[Any, ...]:
    g = c.outcome.grading
    effective = c.outcome.effective_date if c.outcome.graded else c.current.effective_date
    return (
        c.worker_id,
        c.version,
        g.category,
        g.grade,
        g.pay_coefficient,
        g.ladder.id,
        effective,
        g.next_step_date,
    )


def _history(c: Change, history_id: uuid.UUID, now: datetime) -> tuple[Any, ...]:
    g = c.outcome.grading
    return (
        history_id,
        c.worker_id,
        c.community_code,
        c.current.category,
        c.current.grade,
        g.category,
        g.grade,
        g.pay_coefficient,
        c.outcome.effective_date,
        c.outcome.reason,
        g.ladder.id,
        orjson.dumps(g.inputs(c.facts)).decode(),
        now,
    )


@dataclass(slots=True)
class Rows:
    """What a batch of changes writes, as tuples in column order."""

    updates: list[tuple[Any, ...]]
    history: list[tuple[Any, ...]]
    outbox: list[tuple[Any, ...]]
    events_s: float


def build_rows(changes: Sequence[Change], now: datetime) -> Rows:
    with gc_paused():
        updates = [_worker_update(c) for c in changes]
        graded = [c for c in changes if c.outcome.graded]
        ids = new_ids(len(graded))
        history = [_history(c, ids[i], now) for i, c in enumerate(graded)]
        started = time.perf_counter()
        time_iso = now.isoformat().replace("+00:00", "Z")
        outbox = []
        for i, c in enumerate(graded):
            # The event announcing a history row carries the row's id: unique, and it
            # ties every grade event to its explanation.
            event_id = str(ids[i])
            kind, body = event_body(c, event_id, time_iso)
            outbox.append((event_id, kind, body, now, 0))
        return Rows(updates, history, outbox, time.perf_counter() - started)


UPDATE_COLUMNS = (
    "worker_id",
    "version",  # the version read; the row gets version + 1
    "category",
    "grade",
    "pay_coefficient",
    "ladder_id",
    "grade_effective_date",
    "next_step_date",
)
HISTORY_COLUMNS = (
    "id",
    "worker_id",
    "community_code",
    "from_category",
    "from_grade",
    "to_category",
    "to_grade",
    "pay_coefficient",
    "effective_date",
    "reason",
    "ladder_id",
    "inputs",
    "created_at",
)
OUTBOX_COLUMNS = ("event_id", "type", "body", "created_at", "attempts")


@dataclass(frozen=True, slots=True)
class Written:
    updated: int
    graded: int
    events_s: float = 0.0  # building and staging the outbox rows, to report their cost


async def write_changes(
    session: AsyncSession, changes: Sequence[Change], now: datetime, *, bulk: bool = False
) -> Written:
    """Persist outcomes: worker rows, history and outbox, in the caller's transaction.
    A worker row is written only if still at the version the change was computed from;
    with COPY (PostgreSQL: a mass regrade's batches, or any large one) the others are
    skipped with their history and events, otherwise ConcurrentUpdate asks the caller to
    read the batch again."""
    if not changes:
        return Written(0, 0)
    rows = build_rows(changes, now)
    if dialect_of(session) == "postgresql" and (bulk or len(changes) >= COPY_THRESHOLD):
        return await _copy_write(session, rows)
    return await _executemany_write(session, rows)


async def _executemany_write(session: AsyncSession, rows: Rows) -> Written:
    stmt = (
        update(W)
        .where(W.c.worker_id == bindparam("b_worker_id"), W.c.version == bindparam("b_version"))
        .values(
            {
                **{name: bindparam(f"b_{name}") for name in UPDATE_COLUMNS[2:]},
                "version": W.c.version + 1,
            }
        )
    )
    params = [{f"b_{k}": v for k, v in zip(UPDATE_COLUMNS, u, strict=True)} for u in rows.updates]
    result: Any = await session.execute(stmt, params)
    if result.rowcount != len(rows.updates):
        raise ConcurrentUpdate(f"{len(rows.updates) - result.rowcount} worker rows changed")
    staged = 0.0
    if rows.history:
        values = {
            c: bindparam(c, type_=JSONText()) if c == "inputs" else bindparam(c)
            for c in HISTORY_COLUMNS
        }
        await session.execute(
            insert(H).values(values),
            [dict(zip(HISTORY_COLUMNS, h, strict=True)) for h in rows.history],
        )
        started = time.perf_counter()
        await session.execute(
            insert(OUTBOX), [dict(zip(OUTBOX_COLUMNS, o, strict=True)) for o in rows.outbox]
        )
        staged = time.perf_counter() - started
    return Written(len(rows.updates), len(rows.history), rows.events_s + staged)


async def _copy_write(session: AsyncSession, rows: Rows) -> Written:
    # The driver opens the session's transaction lazily, on its first statement; the raw
    # COPYs below must run inside it (and the temporary rows live until its commit).
    await session.execute(text("SELECT 1"))
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    pg: Any = raw.driver_connection  # asyncpg, inside the session's transaction
    # Kept per connection; emptied by every commit.
    await pg.execute(
        "CREATE TEMP TABLE IF NOT EXISTS career_grade_batch ("
        "worker_id uuid PRIMARY KEY, version integer, category varchar(40), grade integer, "
        "pay_coefficient numeric(10, 4), ladder_id uuid, grade_effective_date date, "
        "next_step_date date) ON COMMIT DELETE ROWS"
    )
    await pg.copy_records_to_table(
        "career_grade_batch", records=rows.updates, columns=list(UPDATE_COLUMNS)
    )
    # A row an event handler changed meanwhile has moved on: it is left alone (the
    # handler graded it from fresher facts), and so are its history row and event.
    written = await pg.fetch(
        "UPDATE workers AS w SET category = b.category, grade = b.grade, "
        "pay_coefficient = b.pay_coefficient, ladder_id = b.ladder_id, "
        "grade_effective_date = b.grade_effective_date, next_step_date = b.next_step_date, "
        "version = w.version + 1 "
        "FROM career_grade_batch AS b "
        "WHERE w.worker_id = b.worker_id AND w.version = b.version RETURNING w.worker_id"
    )
    history, outbox = rows.history, rows.outbox
    if len(written) != len(rows.updates):
        kept = {r[0] for r in written}
        pairs = [(h, o) for h, o in zip(history, outbox, strict=True) if h[1] in kept]
        history, outbox = [h for h, _ in pairs], [o for _, o in pairs]
    staged = 0.0
    if history:
        await pg.copy_records_to_table(
            "grade_history", records=history, columns=list(HISTORY_COLUMNS)
        )
        started = time.perf_counter()
        await pg.copy_records_to_table("outbox", records=outbox, columns=list(OUTBOX_COLUMNS))
        staged = time.perf_counter() - started
    return Written(len(written), len(history), rows.events_s + staged)


async def history_of(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[GradeHistory]:
    stmt = (
        select(GradeHistory)
        .where(GradeHistory.worker_id == worker_id)
        .order_by(GradeHistory.effective_date, GradeHistory.created_at, GradeHistory.id)
    )
    return (await session.scalars(stmt)).all()


async def get_job(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID
) -> RegradeJob | None:
    """A job is visible when its whole prefix lies inside the caller's region."""
    stmt = select(RegradeJob).where(
        RegradeJob.id == job_id,
        RegradeJob.jurisdiction.startswith(principal.region, autoescape=True),
    )
    return await session.scalar(stmt)
