"""Transactional outbox: events are rows written in the same transaction as the change,
and a relay publishes them to JetStream with Nats-Msg-Id = event id.

A write succeeds while NATS is down; its events leave when NATS is back. A crash between
publish and marking the row sent republishes it, which the stream's duplicate window and
every consumer's inbox turn into a no-op.

A use case queues an event with `queue_event(session, data)`: the service's sessions carry
their outbox (see `bind_outbox`), and the relay is woken after the commit by itself, so no
use case carries the runtime around or calls notify by hand. A bulk write (an import, a
mass regrade) stages its events with `queue_plain` (plain JSON-ready data) or
`queue_rows` (rows it built itself, in OUTBOX_COLUMNS order): one COPY on PostgreSQL, one
executemany elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy import bindparam, delete, event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from cwp_common.daily import DailyJob
from cwp_common.db import (
    FEW_ROWS,
    among_bound,
    copy_rows,
    make_engine,
    new_ids,
    transaction,
    utcnow,
)
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent, traceparent_of
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.tables import EventTables
from cwp_common.redact import describe
from cwp_common.telemetry import TRACING, current_traceparent, publishing

log = logging.getLogger("cwp.outbox")


_OUTBOX = "cwp.outbox"
_PENDING = "cwp.outbox.pending"
# The columns a staged row fills, in the order of Outbox.values and queue_rows' tuples.
OUTBOX_COLUMNS = ("event_id", "type", "body", "created_at", "attempts")
# An event as a bulk writer stages it: (type, JSON-ready data, subject).
PlainEvent = tuple[str, dict[str, Any], str | None]


class Outbox:
    def __init__(self, tables: EventTables, source: str) -> None:
        self.tables = tables
        self.source = source
        self.on_commit: Callable[[], None] | None = None  # the relay's notify, once it runs
        # Built once: building an INSERT with the row's values cost more CPU than running
        # it. Inline: no one reads the row's seq back (PostgreSQL: no RETURNING seq).
        self._insert = insert(tables.outbox).inline()

    def envelope(self, data: EventData, subject: str | None = None) -> CloudEvent:
        """The one way an event of this service is wrapped (single or bulk)."""
        return CloudEvent.new(
            self.source, data.type, data.model_dump(mode="json"), subject, current_traceparent()
        )

    @staticmethod
    def values(event: CloudEvent) -> tuple[Any, ...]:
        """The outbox row of an envelope (OUTBOX_COLUMNS order). Its data must be
        JSON-ready, as envelope() leaves it: the body is written by CloudEvent.body, like
        the bulk grade writer's."""
        body = CloudEvent.body(
            event.id,
            event.source,
            event.type,
            CloudEvent.json_time(event.time),
            event.subject,
            event.data,
            event.traceparent,
        )
        return (event.id, event.type, body, event.time, 0)

    def plain_values(self, events: Sequence[PlainEvent]) -> list[tuple[Any, ...]]:
        """Outbox rows (OUTBOX_COLUMNS order) of many events given as (type, JSON-ready
        data, subject): the document envelope() wraps, written by CloudEvent.body, without
        the envelope model (~20 us an event). One time and trace context for the batch."""
        now = utcnow()
        moment = CloudEvent.json_time(now)
        trace = current_traceparent()
        rows = []
        for event_id, (kind, data, subject) in zip(new_ids(len(events)), events, strict=True):
            key = str(event_id)
            body = CloudEvent.body(key, self.source, kind, moment, subject, data, trace)
            rows.append((key, kind, body, now, 0))
        return rows

    @staticmethod
    def row(event: CloudEvent) -> dict[str, Any]:
        """The same row as a mapping, for an INSERT."""
        return dict(zip(OUTBOX_COLUMNS, Outbox.values(event), strict=True))

    async def add(
        self, session: AsyncSession, data: EventData, subject: str | None = None
    ) -> CloudEvent:
        """Stage an event in the caller's transaction."""
        event = self.envelope(data, subject)
        await session.execute(self._insert, self.row(event))
        session.sync_session.info[_PENDING] = True
        return event

    async def add_rows(self, session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage rows (OUTBOX_COLUMNS order) in the caller's transaction: COPY on
        PostgreSQL, unless they are few."""
        if not rows:
            return
        if len(rows) > FEW_ROWS and session.get_bind().dialect.name == "postgresql":
            await copy_rows(session, self.tables.outbox.name, OUTBOX_COLUMNS, rows)
        else:
            params = [dict(zip(OUTBOX_COLUMNS, r, strict=True)) for r in rows]
            await session.execute(
                insert(self.tables.outbox), params[0] if len(params) == 1 else params
            )
        session.sync_session.info[_PENDING] = True


def bind_outbox(info: dict[str, Any], outbox: Outbox) -> dict[str, Any]:
    """The `info` a service's sessions are made with, so `queue_event` finds the outbox."""
    return {**info, _OUTBOX: outbox}


def outbox_of(session: AsyncSession) -> Outbox:
    outbox: Outbox | None = session.sync_session.info.get(_OUTBOX)
    if outbox is None:
        raise RuntimeError("this session has no outbox; make it with bind_outbox")
    return outbox


async def queue_event(
    session: AsyncSession, data: EventData, subject: str | None = None
) -> CloudEvent:
    """Stage an event in the session's transaction; it leaves after the commit."""
    return await outbox_of(session).add(session, data, subject)


async def queue_plain(session: AsyncSession, events: Sequence[PlainEvent]) -> list[tuple[Any, ...]]:
    """Stage many events given as plain data (Outbox.plain_values) in one bulk write, and
    return their rows; they leave after the commit, in the order given."""
    outbox = outbox_of(session)
    rows = outbox.plain_values(events)
    await outbox.add_rows(session, rows)
    return rows


async def queue_rows(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """Stage rows a bulk writer built itself (OUTBOX_COLUMNS order, bodies as
    Outbox.values writes them), where the contract models would cost too much."""
    await outbox_of(session).add_rows(session, rows)


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        outbox: Outbox | None = session.info.get(_OUTBOX)
        if outbox is not None and outbox.on_commit is not None:
            outbox.on_commit()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# Connections of the relay's own pool: two batches in flight at once (see OutboxRelay)
# and a spare for the daily prune.
RELAY_POOL = 3


def relay_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine the relay works on. PostgreSQL: a small pool of its own, so that under
    load the relay does not wait behind the requests for one of the service's
    connections (its events would leave late, and every consumer would lag behind).
    SQLite: the service's engine (one writer at a time whatever the pool).

    Its statements are planned for the outbox as it is at each run. PostgreSQL keeps a
    prepared statement's generic plan until the table's statistics change; planned while
    the outbox was nearly empty and kept while autovacuum had not analyzed it (or is off),
    the mark (`seq = ANY(...)`) read every row kept, a week's, for each batch: a write's
    cost grew with the outbox (5 ms a batch at 30,000 rows). Planning costs a batch about
    0.05 ms."""
    if engine.dialect.name != "postgresql":
        return engine
    return make_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=RELAY_POOL,
        max_overflow=0,
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


class OutboxRelay:
    """Publishes the outbox in seq order, batch after batch, and marks what the stream
    confirmed. On PostgreSQL, once there is a backlog (a batch came full), two batches
    overlap: while batch k waits for its acknowledgements and is marked, batch k+1 is
    selected (SKIP LOCKED passes over k's rows, still locked by k's open transaction)
    and published. Selecting and publishing take turns under one lock, so the messages
    go out on the one NATS connection in seq order. SQLite has no SKIP LOCKED: one batch
    at a time."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: EventTables,
        link: NatsLink,
        batch: int = 1000,
        poll_interval: float = 1.0,
    ) -> None:
        self._engine = engine
        self._t = tables.outbox
        self._link = link
        self._batch = batch
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._turn = asyncio.Lock()  # select + publish of one batch at a time
        self._acks = AckInbox()
        # The relay's statements run on a plain connection (no ORM session), built once:
        # a session and statements built per batch cost more CPU than the batch's round
        # trips when events come a few at a time.
        dialect = engine.dialect.name
        t = self._t
        # ORDER BY published_at, seq (all NULL here) follows ix_outbox_pending, so the
        # batch is read off the index; ORDER BY seq alone sorted every pending row,
        # bodies and all, for each batch.
        self._select = (
            select(t.c.seq, t.c.event_id, t.c.type, t.c.body)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.published_at, t.c.seq)
            .limit(batch)
        )
        if dialect == "postgresql":
            # Several replicas (and this relay's other batch in flight) may select at
            # once: each takes rows the others have not.
            self._select = self._select.with_for_update(skip_locked=True)
        self._mark = (
            update(t)
            .where(among_bound(t.c.seq, "seqs", dialect))
            .values(published_at=bindparam("now"))
        )
        self._note_failure = (
            update(t)
            .where(t.c.seq == bindparam("failed_seq"))  # a column's own name is reserved
            .values(attempts=t.c.attempts + 1, last_error=bindparam("why"))
        )
        self._lanes = 2 if dialect == "postgresql" else 1

    def notify(self) -> None:
        """Called after a commit that staged events, so they leave without waiting a poll."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the batches in flight finish (their rows get marked), then end the loop."""
        if not self._task:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._acks.close()

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                await self.publish_all()
                backoff = 0.2
            except Exception as exc:
                log.warning("outbox relay: %s; retrying in %.1fs", describe(exc), backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), backoff)
                self._wake.clear()
                backoff = min(backoff * 2, 5.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    async def publish_all(self) -> int:
        """Publish batches until the outbox is drained or one fails (raised once the
        other batch in flight is done); returns how many were confirmed.

        A lane stops at a batch that came short: every unsent row it could take was in
        it (rows the other lane holds are that lane's), and a row committed since wakes
        the relay again. The second lane joins only after a full batch: under a steady
        trickle of single writes (one or two events a wake) it would select nothing,
        and an empty batch costs as many round trips as a batch of one."""
        failed: list[BaseException] = []
        sent: list[int] = []

        async def lane(tasks: asyncio.TaskGroup) -> None:
            while not self._stopping and not failed:
                try:
                    n = await self.publish_pending()
                except Exception as exc:
                    # The other lane selects no further batch: the retry starts again
                    # from the oldest unsent row.
                    failed.append(exc)
                    return
                sent.append(n)
                if n < self._batch:
                    return
                if len(sent) == 1 and self._lanes > 1:
                    tasks.create_task(lane(tasks))

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(lane(tasks))
        if failed:
            raise failed[0]
        return sum(sent)

    async def publish_pending(self) -> int:
        """Publish one batch of pending events; returns how many were confirmed. A row
        the stream did not confirm stays unsent (attempts and last_error noted) and is
        retried; a crash before the commit leaves every row of the batch unsent."""
        if not self._link.connected:
            return 0
        nc = self._link.client()
        async with self._engine.begin() as conn:
            async with self._turn:
                rows = (await conn.execute(self._select)).all()
                if not rows:
                    return 0
                acks = await self._acks.publish(
                    nc, [_message(r.type, r.body, r.event_id) for r in rows]
                )
            results = await acks.wait()
            done = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
            failed = [(r.seq, res) for r, res in zip(rows, results, strict=True) if res is not None]
            if done:
                await conn.execute(self._mark, {"seqs": done, "now": utcnow()})
            for seq, err in failed:
                await conn.execute(self._note_failure, {"failed_seq": seq, "why": describe(err)})
        if failed:
            raise ConnectionError(
                f"{len(failed)} of {len(rows)} events not confirmed: {describe(failed[0][1])}"
            )
        return len(done)


class NotStored(Exception):
    """JetStream did not confirm storing a published message."""


_WAITING = NotStored("no acknowledgement from the stream in time")


def _message(subject: str, body: bytes, event_id: str) -> tuple[str, bytes, dict[str, str]]:
    """A relayed event: its subject, body and headers (the event id for the stream's
    duplicate window, and the trace context when tracing is on)."""
    headers = {"Nats-Msg-Id": event_id}
    if TRACING.enabled:
        with publishing(subject, traceparent_of(body)) as traceparent:
            if traceparent is not None:
                headers["traceparent"] = traceparent
    return subject, body, headers


class AckInbox:
    """Where the stream's acknowledgements of every batch arrive. JetStream acknowledges
    a message published with a reply subject on that subject: the relay holds one
    subscription per connection on `<inbox>.>`, and a batch's messages reply to
    `<inbox>.<batch>.<index>`, instead of a request, a future and a timer per message,
    or a subscription (SUB, its reader task, UNSUB) per batch."""

    def __init__(self) -> None:
        self._nc: Client | None = None
        self._sub: Any = None
        self._prefix = ""
        self._batches: dict[int, Acknowledgements] = {}
        self._count = 0

    async def publish(
        self,
        nc: Client,
        messages: Sequence[tuple[str, bytes, dict[str, str]]],
        timeout: float = 5.0,
    ) -> Acknowledgements:
        """Hand the messages to the connection in order and return at once; the
        answers are collected by the returned batch's `wait`."""
        if nc is not self._nc:
            await self._subscribe(nc)
        self._count += 1
        number = self._count
        acks = Acknowledgements(len(messages), timeout, lambda: self._batches.pop(number, None))
        self._batches[number] = acks
        try:
            for i, (subject, body, headers) in enumerate(messages):
                await nc.publish(
                    subject, body, reply=f"{self._prefix}{number}.{i}", headers=headers
                )
        except BaseException:
            acks.forget()
            raise
        return acks

    async def _subscribe(self, nc: Client) -> None:
        """A connection made anew (after the link lost its client) gets a subscription
        of its own; the old one went with its connection."""
        inbox = nc.new_inbox()
        self._sub = await nc.subscribe(f"{inbox}.>", cb=self._on_ack)
        self._nc, self._prefix = nc, f"{inbox}."

    async def _on_ack(self, msg: Msg) -> None:
        batch, _, index = msg.subject[len(self._prefix) :].partition(".")
        try:
            acks, i = self._batches.get(int(batch)), int(index)
        except ValueError:
            return
        if acks is not None:
            acks.take(i, msg)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        self._nc = self._sub = None


class Acknowledgements:
    """The stream's answers to one batch of published messages (see AckInbox)."""

    def __init__(self, n: int, timeout: float, forget: Callable[[], object]) -> None:
        self.results: list[BaseException | None] = [_WAITING] * n
        self._waiting = n
        self._all_in = asyncio.Event()
        self._timeout = timeout
        self.forget = forget  # stop routing answers here

    def take(self, i: int, msg: Msg) -> None:
        if not 0 <= i < len(self.results) or self.results[i] is not _WAITING:
            return
        headers = msg.headers or {}
        status = headers.get("Status")
        if status is not None:  # 503: no stream listens on the subject
            self.results[i] = NotStored(f"status {status} {headers.get('Description', '')}")
        else:
            try:
                reply = orjson.loads(msg.data)
            except orjson.JSONDecodeError:
                reply = {"error": {"description": "unreadable acknowledgement"}}
            error = reply.get("error") if isinstance(reply, dict) else None
            self.results[i] = NotStored(str(error.get("description", error))) if error else None
        self._waiting -= 1
        if self._waiting == 0:
            self._all_in.set()

    async def wait(self) -> list[BaseException | None]:
        """Per message None (stored, or a duplicate it had stored already) or why not."""
        try:
            # More time for a larger batch: the acknowledgements arrive at the stream's pace.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._all_in.wait(), self._timeout + len(self.results) / 1000
                )
        finally:
            self.forget()
        return self.results


class OutboxPrune(DailyJob):
    """Once a day, deletes outbox rows published more than `keep_days` ago. A sent row
    only guards against republishing within the stream's duplicate window (two
    minutes); the streams keep the events themselves, so without this the outbox grew
    for ever. Deleted in slices so no lock is held long; unsent rows are never touched."""

    name = "outbox-prune"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: EventTables,
        keep_days: int,
        check_every: float = 3600.0,
        slice_rows: int = 10_000,
    ) -> None:
        super().__init__(check_every)
        self._factory = session_factory
        self._t = tables.outbox
        self._keep = timedelta(days=keep_days)
        self._slice = slice_rows

    async def run_for(self, day: date) -> None:
        deleted = await self.prune()
        if deleted:
            self._log.info("outbox: %d published rows older than %s deleted", deleted, self._keep)

    async def prune(self) -> int:
        t, cut, deleted = self._t, utcnow() - self._keep, 0
        while True:
            async with transaction(self._factory) as session:
                old = (
                    select(t.c.seq)
                    .where(t.c.published_at.is_not(None), t.c.published_at < cut)
                    .limit(self._slice)
                    .scalar_subquery()
                )
                result = await session.execute(delete(t).where(t.c.seq.in_(old)))
                n = int(result.rowcount)  # type: ignore[attr-defined]
            deleted += n
            if n < self._slice:
                return deleted
