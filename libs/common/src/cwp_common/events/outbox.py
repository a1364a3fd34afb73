"""Transactional outbox: events are rows written in the same transaction as the change,
and a relay publishes them to JetStream with Nats-Msg-Id = event id.

A write succeeds while NATS is down; its events leave when NATS is back. A crash between
publish and marking the row sent republishes it, which the stream's duplicate window and
every consumer's inbox turn into a no-op.

A use case queues an event with `queue_event(session, data)`: the service's sessions carry
their outbox (see `bind_outbox`), and the relay is woken after the commit by itself, so no
use case carries the runtime around or calls notify by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from cwp_common.db import transaction, utcnow
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.tables import EventTables
from cwp_common.redact import describe

log = logging.getLogger("cwp.outbox")


_OUTBOX = "cwp.outbox"
_PENDING = "cwp.outbox.pending"


class Outbox:
    def __init__(self, tables: EventTables, source: str) -> None:
        self.tables = tables
        self.source = source
        self.on_commit: Callable[[], None] | None = None  # the relay's notify, once it runs

    def envelope(self, data: EventData, subject: str | None = None) -> CloudEvent:
        """The one way an event of this service is wrapped (single or bulk)."""
        return CloudEvent.new(self.source, data.type, data.model_dump(mode="json"), subject)

    @staticmethod
    def row(event: CloudEvent) -> dict[str, Any]:
        """The outbox row of an envelope, for bulk inserts. Its data must be JSON-ready,
        as envelope() leaves it: the body is written by CloudEvent.body, like the bulk
        grade writer's."""
        return {
            "event_id": event.id,
            "type": event.type,
            "body": CloudEvent.body(
                event.id,
                event.source,
                event.type,
                CloudEvent.json_time(event.time),
                event.subject,
                event.data,
            ),
            "created_at": event.time,
            "attempts": 0,
        }

    async def add(
        self, session: AsyncSession, data: EventData, subject: str | None = None
    ) -> CloudEvent:
        """Stage an event in the caller's transaction."""
        event = self.envelope(data, subject)
        await session.execute(insert(self.tables.outbox).values(**self.row(event)))
        session.sync_session.info[_PENDING] = True
        return event


def bind_outbox(info: dict[str, Any], outbox: Outbox) -> dict[str, Any]:
    """The `info` a service's sessions are made with, so `queue_event` finds the outbox."""
    return {**info, _OUTBOX: outbox}


async def queue_event(
    session: AsyncSession, data: EventData, subject: str | None = None
) -> CloudEvent:
    """Stage an event in the session's transaction; it leaves after the commit."""
    outbox: Outbox | None = session.sync_session.info.get(_OUTBOX)
    if outbox is None:
        raise RuntimeError("this session has no outbox; make it with bind_outbox")
    return await outbox.add(session, data, subject)


async def queue_events(
    session: AsyncSession, events: Iterable[tuple[EventData, str | None]]
) -> list[CloudEvent]:
    """Stage many events, (data, subject) each, in one executemany; they leave after the
    commit, in the order given. (The same name and shape as the consumers branch's bulk
    form, which also COPYs on PostgreSQL.)"""
    outbox: Outbox | None = session.sync_session.info.get(_OUTBOX)
    if outbox is None:
        raise RuntimeError("this session has no outbox; make it with bind_outbox")
    envelopes = [outbox.envelope(data, subject) for data, subject in events]
    if envelopes:
        await session.execute(insert(outbox.tables.outbox), [Outbox.row(e) for e in envelopes])
        session.sync_session.info[_PENDING] = True
    return envelopes


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        outbox: Outbox | None = session.info.get(_OUTBOX)
        if outbox is not None and outbox.on_commit is not None:
            outbox.on_commit()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class OutboxRelay:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: EventTables,
        link: NatsLink,
        batch: int = 256,
        poll_interval: float = 1.0,
    ) -> None:
        self._factory = session_factory
        self._t = tables.outbox
        self._link = link
        self._batch = batch
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def notify(self) -> None:
        """Called after a commit that staged events, so they leave without waiting a poll."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = 5.0) -> None:
        """Let a batch in flight finish (its rows get marked), then end the loop."""
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

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                sent = await self.publish_pending()
                backoff = 0.2
                if sent >= self._batch:
                    continue
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

    async def publish_pending(self) -> int:
        """Publish one batch of pending events; returns how many were confirmed."""
        if not self._link.connected:
            return 0
        js = self._link.jetstream()
        t = self._t
        async with transaction(self._factory) as session:
            stmt = (
                select(t.c.seq, t.c.event_id, t.c.type, t.c.body)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.seq)
                .limit(self._batch)
            )
            if (await session.connection()).dialect.name == "postgresql":
                # Several replicas may relay at once: each takes rows the others have not.
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await session.execute(stmt)).all()
            if not rows:
                return 0
            # Pipelined publishes: all in flight at once, each confirmed by the stream.
            results = await asyncio.gather(
                *(js.publish(r.type, r.body, headers={"Nats-Msg-Id": r.event_id}) for r in rows),
                return_exceptions=True,
            )
            now = utcnow()
            done = [
                r.seq
                for r, res in zip(rows, results, strict=True)
                if not isinstance(res, BaseException)
            ]
            failed = [
                (r.seq, res)
                for r, res in zip(rows, results, strict=True)
                if isinstance(res, BaseException)
            ]
            if done:
                await session.execute(update(t).where(t.c.seq.in_(done)).values(published_at=now))
            for seq, err in failed:
                await session.execute(
                    update(t)
                    .where(t.c.seq == seq)
                    .values(attempts=t.c.attempts + 1, last_error=describe(err))
                )
        if failed:
            raise ConnectionError(
                f"{len(failed)} of {len(rows)} events not confirmed: {describe(failed[0][1])}"
            )
        return len(done)
