"""Writing grade changes, set-based.

One writer serves a single event and a province-wide regrade alike: it updates the
worker rows, inserts the history rows and stages one grade event per changed worker in
the outbox, all in the caller's transaction. Bulk batches on PostgreSQL go through
COPY (into a temporary table joined by one UPDATE ... FROM, and straight into the
history table); SQLite batches use executemany. Their events are staged in bulk with
`queue_rows` (COPY or executemany), which also wakes the relay after the commit.

A single change stages its event with `queue_event`. A bulk batch cannot afford the
contract and envelope models (about 27 us an event, so +27 s on a million workers): it
maps the change to the same JSON-ready data (`event_data`) and writes the body with
CloudEvent.body, the serialiser Outbox.row uses too; tests/career check both agree.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Table, bindparam, insert, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from cwp_career.db import dialect_of
from cwp_career.grading.models import GradeHistory
from cwp_career.grading.rules import Current, Facts, Outcome
from cwp_career.workers.models import Worker
from cwp_common.bulk import gc_paused
from cwp_common.db import copy_rows, new_ids
from cwp_common.events.contracts import EventData, GradeAssigned, GradeChanged
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.outbox import queue_event, queue_rows

SOURCE = "cwp.career"  # the service's outbox source (cwp_common.service: cwp.<name>)

W = cast(Table, Worker.__table__)
H = cast(Table, GradeHistory.__table__)


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


class JSONText(TypeDecorator[str]):
    """A JSON column bound from text that already is JSON: the history inputs are
    serialised once, for COPY and executemany alike, not decoded and encoded again."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


# --- the grade event -------------------------------------------------------------------


def event_type(change: Change) -> str:
    return GradeAssigned.type if change.outcome.first else GradeChanged.type


def event_data(change: Change) -> dict[str, Any]:
    """The payload of the grade event, JSON-ready (the one mapping for both paths)."""
    g = change.outcome.grading
    data: dict[str, Any] = {
        "worker_id": str(change.worker_id),
        "community_code": change.community_code,
        "jurisdiction": g.ladder.jurisdiction,
        "ladder_id": g.ladder.ref,
        "category": g.category,
        "grade": g.grade,
        "pay_coefficient": str(g.pay_coefficient),
        "effective_date": change.outcome.effective_date.isoformat(),
        "reason": change.outcome.reason,
        "example": g.ladder.example_pay,  # example coefficients: payroll does not pay them
    }
    if not change.outcome.first:
        data["previous_grade"] = change.current.grade
        data["previous_category"] = change.current.category
    return data


def event_of(change: Change) -> EventData:
    contract = GradeAssigned if change.outcome.first else GradeChanged
    return contract.model_validate(event_data(change))


def bulk_outbox_row(change: Change, event_id: str, now: datetime, time_iso: str) -> tuple[Any, ...]:
    """The outbox row (OUTBOX_COLUMNS) of a grade event: the body Outbox.row gives
    Outbox.envelope(event_of(change), worker_id), without the contract model's cost."""
    kind = event_type(change)
    body = CloudEvent.body(
        event_id, SOURCE, kind, time_iso, str(change.worker_id), event_data(change)
    )
    return (event_id, kind, body, now, 0)


# --- rows --------------------------------------------------------------------------------

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
GRADE_COLUMNS = UPDATE_COLUMNS[2:]  # a worker row's grade, as a change leaves it
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
        time_iso = CloudEvent.json_time(now)
        # The event announcing a history row carries the row's id: unique, and it ties
        # every grade event to its explanation.
        outbox = [bulk_outbox_row(c, str(ids[i]), now, time_iso) for i, c in enumerate(graded)]
        return Rows(updates, history, outbox, time.perf_counter() - started)


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
    with COPY (PostgreSQL, bulk) the others are skipped with their history and events,
    otherwise ConcurrentUpdate asks the caller to read the batch again."""
    if not changes:
        return Written(0, 0)
    if not bulk:
        return await _write_each(session, changes, now)
    rows = build_rows(changes, now)
    if dialect_of(session) == "postgresql":
        return await _copy_write(session, rows)
    return await _executemany_write(session, rows)


def graded_values(changes: Sequence[Change]) -> dict[str, Any]:
    """The grade columns of a worker row after its changes (one worker's, in order), and
    its version once each change has been written: a new worker is inserted with them,
    so `write_records` needs no UPDATE of the row just inserted."""
    last = _worker_update(changes[-1])
    values = dict(zip(GRADE_COLUMNS, last[2:], strict=True))
    values["version"] = changes[0].version + len(changes)
    return values


async def write_records(session: AsyncSession, changes: Sequence[Change], now: datetime) -> Written:
    """The history rows and grade events of changes whose worker rows the caller writes
    itself, graded already (`graded_values`: workers inserted graded by a batch of
    registrations); in the caller's transaction, COPY on PostgreSQL."""
    graded = [c for c in changes if c.outcome.graded]
    if not graded:
        return Written(0, 0)
    with gc_paused():
        rows = build_rows(graded, now)
    started = time.perf_counter()
    if dialect_of(session) == "postgresql":
        await copy_rows(session, H.name, HISTORY_COLUMNS, rows.history)
    else:
        await _insert_history(session, rows.history)
    await queue_rows(session, rows.outbox)
    return Written(len(changes), len(rows.history), rows.events_s + time.perf_counter() - started)


async def relax_durability(session: AsyncSession) -> None:
    """PostgreSQL: this transaction's commit does not wait for the WAL flush (a mass
    regrade's batch; a crash may lose it, and rerunning the job redoes it)."""
    await session.execute(text("SET LOCAL synchronous_commit TO OFF"))


async def _write_each(session: AsyncSession, changes: Sequence[Change], now: datetime) -> Written:
    """A handler's or use case's few changes: each event through the outbox envelope,
    and its history row under the event's id."""
    await _update_workers(session, [_worker_update(c) for c in changes])
    graded = [c for c in changes if c.outcome.graded]
    history = []
    for c in graded:
        event = await queue_event(session, event_of(c), str(c.worker_id))
        history.append(_history(c, uuid.UUID(event.id), now))
    await _insert_history(session, history)
    return Written(len(changes), len(graded))


async def _update_workers(session: AsyncSession, updates: list[tuple[Any, ...]]) -> None:
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
    params = [{f"b_{k}": v for k, v in zip(UPDATE_COLUMNS, u, strict=True)} for u in updates]
    result: Any = await session.execute(stmt, params)
    if result.rowcount != len(updates):
        raise ConcurrentUpdate(f"{len(updates) - result.rowcount} worker rows changed")


async def _insert_history(session: AsyncSession, history: list[tuple[Any, ...]]) -> None:
    if not history:
        return
    values = {
        c: bindparam(c, type_=JSONText()) if c == "inputs" else bindparam(c)
        for c in HISTORY_COLUMNS
    }
    await session.execute(
        insert(H).values(values), [dict(zip(HISTORY_COLUMNS, h, strict=True)) for h in history]
    )


async def _executemany_write(session: AsyncSession, rows: Rows) -> Written:
    await _update_workers(session, rows.updates)
    await _insert_history(session, rows.history)
    started = time.perf_counter()
    await queue_rows(session, rows.outbox)
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
    # One transaction may write several rounds (a batch of events graded on their day,
    # then today): each round starts empty.
    await pg.execute("TRUNCATE career_grade_batch")
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
        await queue_rows(session, outbox)
        staged = time.perf_counter() - started
    return Written(len(written), len(history), rows.events_s + staged)
