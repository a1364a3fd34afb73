"""Durable pull consumers with an inbox for idempotency, applying events in batches.

A fetched batch is applied in one transaction: one statement claims the events in the
inbox (those it does not return were applied before), and the handler's effects commit
with the claim;
the messages are acked after the commit. A redelivered batch finds its inbox rows and
changes nothing. A subscription may give a set-based `batch_handler` (one call for the
batch's new events, in stream order); otherwise each event runs through `handler` one at
a time, each under a savepoint so that one failing event is rolled back alone.

What fails:
- One event: a batch handler's batch is split in halves until the failing event stands
  alone; the rest commits. An event that can never succeed (unreadable envelope, payload
  that breaks its contract, `PermanentError`, or `max_deliver` reached) is written to
  dead_letters with its reason and terminated; any other failure is nak'ed with a growing
  delay.
- The database: nothing is acked; the runner keeps the batch (telling NATS it is still in
  progress, so it is not redelivered meanwhile) and applies it once the database answers.
- NATS after the commit: the acks are lost and the batch comes again, which the inbox
  turns into a no-op.

Events of one aggregate keep their stream order inside a batch, and batches are applied
one after the other, except where a subscription declares its subjects independent
(`independent_subjects`): on PostgreSQL a batch that shares no subject with the batch
still being applied starts beside it, in a transaction of its own, so the service's work
on one batch overlaps the database's on the other.

An event is believed only from its owner: its `source` must be `cwp.<first token of the
subject>` and its `type` the subject it came on. NATS permissions already keep a service
from publishing another's subjects; this check also refuses a mislabelled event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import String, Table, bindparam, delete, func, insert, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.db import UTCDateTime, transaction, utcnow
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent, service_of, stream_name
from cwp_common.events.nats_link import NatsLink, QuietRetry
from cwp_common.events.tables import EventTables
from cwp_common.redact import SafeMessage, describe, validation_summary
from cwp_common.telemetry import TRACING, consuming

log = logging.getLogger("cwp.consumer")
FILL_WAIT_S = 0.05  # how long a batch may wait for more messages while the last is applied
FILL_NOW_S = 0.01  # ... once nothing is being applied: take what is there, wait no longer
FILL_MAX_S = 0.25  # how long a batch may keep taking in a backlog before it is applied

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
# Applies several events (stream order) in the caller's transaction, set-based.
BatchHandler = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[None]]
D = TypeVar("D", bound=EventData)


class PermanentError(SafeMessage):
    """The message can never be handled; retrying is pointless. Its message is stored in
    dead_letters: name fields and ids, never personal data or row values."""


def not_from_owner(event: CloudEvent, subject: str) -> str | None:
    """Why the event cannot be believed on this subject, or None."""
    owner = f"cwp.{service_of(subject)}"
    if event.source != owner:
        return f"source {event.source!r} is not {owner!r}, the owner of {subject}"
    if event.type != subject:
        return f"type {event.type!r} arrived on subject {subject}"
    return None


def parse(event: CloudEvent, contract: type[D]) -> D:
    try:
        return contract.model_validate(event.data)
    except ValidationError as exc:
        # pydantic's own text quotes the input: keep only where and how it broke.
        raise PermanentError(
            f"{event.type} payload breaks its contract: {validation_summary(exc)}"
        ) from exc


_LIST_ADAPTERS: dict[type[EventData], TypeAdapter[list[Any]]] = {}


def parse_many(events: Sequence[CloudEvent], contract: type[D]) -> list[D]:
    """parse() for many events of one contract in one validation call (a batch handler's
    events); when one breaks the contract, its PermanentError, as parse() raises it."""
    adapter = _LIST_ADAPTERS.get(contract)
    if adapter is None:
        adapter = _LIST_ADAPTERS[contract] = TypeAdapter(list[contract])  # type: ignore[valid-type]
    try:
        return cast(list[D], adapter.validate_python([e.data for e in events]))
    except ValidationError:
        return [parse(e, contract) for e in events]  # raises the first failing event's


@dataclass(frozen=True)
class Subscription:
    durable: str  # "<consumer service>-<purpose>", e.g. "career-grading"
    filter_subject: str  # e.g. "registry.worker.>"
    handler: Handler
    batch_handler: BatchHandler | None = None
    # The effect of an event depends on earlier events of its own subject (aggregate)
    # only, never on another subject's: two batches with no subject in common may apply
    # at the same time.
    independent_subjects: bool = False

    @property
    def stream(self) -> str:
        return stream_name(service_of(self.filter_subject))


@dataclass(frozen=True, slots=True)
class Delivery:
    """A readable message from the event's owner."""

    msg: Msg
    event: CloudEvent
    deliveries: int


@dataclass(slots=True)
class Applied:
    """What one batch transaction did: the deliveries to ack and the events that failed."""

    done: list[Delivery] = field(default_factory=list)
    failed: list[tuple[Delivery, Exception]] = field(default_factory=list)


@dataclass(slots=True)
class ConsumerStats:
    """Counters since the process started, read by cwp_common.events.metrics."""

    applied: int = 0  # events whose effect committed
    duplicates: int = 0  # deliveries of events the inbox had seen
    redelivered: int = 0  # deliveries after the first
    dead_letters: int = 0
    batches: int = 0
    held: int = 0  # batches held because the database did not answer
    last_applied_at: float | None = None  # time.time() of the last commit


def deliveries_of(msg: Msg) -> int:
    """How many times JetStream has delivered the message, read from its reply subject
    (`$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`)
    without building the whole metadata (a timestamp and three objects per message);
    other layouts (a domain, an account hash) through nats-py's parser."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == 9 and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[4])
    return msg.metadata.num_delivered if msg.metadata else 1


def _traceparent(d: Delivery) -> str | None:
    """The producer's trace: the relay's header, else the envelope's attribute."""
    headers = d.msg.headers or {}
    return headers.get("traceparent") or d.event.traceparent


class ConsumerRunner:
    def __init__(
        self,
        sub: Subscription,
        link: NatsLink,
        session_factory: async_sessionmaker[AsyncSession],
        tables: EventTables,
        *,
        max_deliver: int = 6,
        ack_wait: float = 30.0,
        batch: int = 1000,
        nak_delay: float = 0.5,
    ) -> None:
        self.sub = sub
        self._link = link
        self._factory = session_factory
        self._t = tables
        self._max_deliver = max_deliver
        self._ack_wait = ack_wait
        self._batch = batch
        self._nak_delay = nak_delay
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.stats = ConsumerStats()
        bind = session_factory.kw.get("bind")
        # SQLite has one writer: a second transaction would only wait for the first.
        postgres = bind is not None and bind.dialect.name == "postgresql"
        self._overlap = sub.independent_subjects and postgres

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.sub.durable}")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the messages already fetched, so none waits out its ack_wait."""
        if not self._task:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.sub.durable,
            filter_subject=self.sub.filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._ack_wait,
            max_deliver=self._max_deliver,
            # Room for a few batches in flight; more would only be redelivered later.
            max_ack_pending=max(1000, 4 * self._batch),
        )

    async def _run(self) -> None:
        retry = QuietRetry(self.sub.durable)
        while not self._stopping:
            if not await self._link.wait_connected(1.0):
                continue
            generation = self._link.generation
            try:
                js = self._link.jetstream()
                psub = await js.pull_subscribe(
                    self.sub.filter_subject,
                    durable=self.sub.durable,
                    stream=self.sub.stream,
                    config=self._config(),
                )
            except Exception as exc:
                await retry.failed(exc)
                continue
            retry.succeeded()
            try:
                await self._pull(psub, generation)
            finally:
                with contextlib.suppress(Exception):
                    await psub.unsubscribe()

    async def _pull(self, psub: object, generation: int) -> None:
        """Fetch until the connection changes or the subscription looks stalled. The next
        batch is fetched while one is applied (the messages come in while the database
        works); batches are applied one after the other, in stream order (or beside the
        one before, see Overlap), and a batch fetched ahead or still applying when the
        loop ends is finished before it returns."""
        idle = 0
        ahead: asyncio.Task[list[Msg]] | None = None
        overlap = Overlap(self)
        try:
            while self._link.generation == generation and not self._stopping:
                try:
                    if ahead is not None:
                        fetched, ahead = ahead, None
                        msgs = await fetched
                    else:
                        msgs = await self._next_batch(psub)
                except TimeoutError:
                    idle += 1
                    if idle % 5 == 0 and await self._stalled():
                        log.warning(
                            "%s: pending messages but none delivered; resubscribing",
                            self.sub.durable,
                        )
                        return
                    continue
                except Exception as exc:
                    log.warning("%s: fetch failed (%s); resubscribing", self.sub.durable, exc)
                    await asyncio.sleep(0.5)
                    return
                idle = 0
                applied = asyncio.Event()
                if self._link.generation == generation and not self._stopping:
                    ahead = asyncio.create_task(self._next_batch(psub, applied))
                try:
                    await overlap.handle(msgs)
                finally:
                    applied.set()  # the runner is free for the next batch
        finally:
            await overlap.finish()
            if ahead is not None:
                await self._finish_ahead(ahead)

    async def _finish_ahead(self, ahead: asyncio.Task[list[Msg]]) -> None:
        """Apply a batch fetched ahead, so none of its messages waits out its ack_wait."""
        msgs: list[Msg] = []
        try:
            msgs = await ahead
        except asyncio.CancelledError:
            ahead.cancel()
            raise
        except Exception:  # nothing came, or the connection went: nothing to apply
            return
        await self.handle_batch(msgs)

    async def _next_batch(self, psub: Any, applied: asyncio.Event | None = None) -> list[Msg]:
        """Up to `batch` messages, as soon as one is there. One fetch of the whole batch
        would hold the first message until the batch filled or the pull request expired
        (a second, when events trickle in): the first is awaited alone, then whatever
        else is waiting is taken with short waits. A fetch returns what the client took
        in within its wait, which under load is a fraction of a backlog: the batch is
        topped up while fetches bring messages, for at most FILL_MAX_S.

        While the batch before (`applied` not yet set) is being applied, waiting for
        more costs nothing; once it is applied (or there is none), the batch takes what
        is there and goes. Under a steady stream (a fetch always brings a message or
        two) it used to fill for the whole FILL_MAX_S while the consumer sat idle: a
        quarter of a second added to the first event of every batch."""
        msgs: list[Msg] = await psub.fetch(1, timeout=1.0)
        started = time.monotonic()
        while len(msgs) < self._batch and time.monotonic() - started < FILL_MAX_S:
            busy = applied is not None and not applied.is_set()
            try:
                msgs += await psub.fetch(
                    self._batch - len(msgs), timeout=FILL_WAIT_S if busy else FILL_NOW_S
                )
            except TimeoutError:
                break
        return msgs

    async def _stalled(self) -> bool:
        try:
            info = await self._link.jetstream().consumer_info(self.sub.stream, self.sub.durable)
        except Exception:
            return True
        return (info.num_pending or 0) > 0

    async def handle_batch(self, msgs: Sequence[Msg]) -> None:
        batch = await self.readable(msgs)
        if batch:
            await self._apply(batch)

    async def readable(self, msgs: Sequence[Msg]) -> list[Delivery]:
        return [d for d in [await self._readable(m) for m in msgs] if d is not None]

    async def _readable(self, msg: Msg) -> Delivery | None:
        """The delivery, or None after dead-lettering a message that cannot be believed."""
        deliveries = deliveries_of(msg)
        if deliveries > 1:
            self.stats.redelivered += 1
        try:
            event = CloudEvent.from_bytes(msg.data)
        except ValidationError as exc:
            await self._dead_letter(
                msg, None, f"unreadable envelope: {validation_summary(exc)}", deliveries
            )
            return None
        refused = not_from_owner(event, msg.subject)
        if refused is not None:
            await self._dead_letter(msg, event.id, f"not from its owner: {refused}", deliveries)
            return None
        return Delivery(msg, event, deliveries)

    async def _apply(self, batch: list[Delivery]) -> None:
        try:
            if TRACING.enabled:
                with consuming(self.sub.durable, [_traceparent(d) for d in batch]):
                    applied = await self._transaction(batch)
            else:
                applied = await self._transaction(batch)
        except Exception as exc:
            await self._recover(batch, exc)
            return
        self.stats.batches += 1
        if applied.done:
            self.stats.last_applied_at = time.time()
        for d in applied.done:
            await self._ack(d)
        for d, failure in applied.failed:
            await self._failed(d, failure)

    async def _ack(self, d: Delivery) -> None:
        with contextlib.suppress(Exception):  # NATS gone: redelivered, then a no-op
            await d.msg.ack()

    async def _recover(self, batch: list[Delivery], exc: Exception) -> None:
        """The batch's transaction failed: wait out the database, or split the batch until
        the failing event stands alone."""
        if not await self._database_answers():
            self.stats.held += 1
            log.warning(
                "%s: database unavailable (%s); holding %d events",
                self.sub.durable,
                describe(exc),
                len(batch),
            )
            if await self._hold_until_database_answers(batch):
                await self._apply(batch)
            else:  # stopping: NATS hands them to the next runner
                await self._nak_all(batch)
        elif len(batch) > 1:
            middle = len(batch) // 2
            await self._apply(batch[:middle])
            await self._apply(batch[middle:])
        else:
            await self._failed(batch[0], exc)

    async def _transaction(self, batch: list[Delivery]) -> Applied:
        """Apply the batch's new events in one transaction with their inbox rows."""
        inbox = self._t.inbox
        applied = Applied()
        async with transaction(self._factory) as session:
            # Claimed first: on SQLite this opens the write transaction the savepoints
            # below need; on PostgreSQL it also keeps a second replica off the same events.
            claimed = await inbox_claim(session, inbox, self.sub.durable, [d.event for d in batch])
            fresh: list[Delivery] = []
            for d in batch:
                if d.event.id in claimed:
                    claimed.discard(d.event.id)  # a second copy in the batch is a duplicate
                    fresh.append(d)
                else:
                    applied.done.append(d)  # redelivered: acked, nothing applied
                    self.stats.duplicates += 1
            if not fresh:
                return applied
            if len(fresh) == 1:
                await self.sub.handler(session, fresh[0].event)
            elif self.sub.batch_handler is not None:
                await self.sub.batch_handler(session, [d.event for d in fresh])
            else:
                applied.failed = await self._one_at_a_time(session, fresh)
                if applied.failed:
                    failed_ids = [d.event.id for d, _ in applied.failed]
                    await session.execute(
                        delete(inbox).where(
                            inbox.c.consumer == self.sub.durable, inbox.c.event_id.in_(failed_ids)
                        )
                    )
            failed = {id(d) for d, _ in applied.failed}
            done = [d for d in fresh if id(d) not in failed]
        # Counted once committed.
        self.stats.applied += len(done)
        applied.done.extend(done)
        return applied

    async def _one_at_a_time(
        self, session: AsyncSession, fresh: list[Delivery]
    ) -> list[tuple[Delivery, Exception]]:
        failed: list[tuple[Delivery, Exception]] = []
        for d in fresh:
            try:
                async with session.begin_nested():
                    await self.sub.handler(session, d.event)
            except Exception as exc:
                failed.append((d, exc))
        return failed

    async def _failed(self, d: Delivery, exc: Exception) -> None:
        if isinstance(exc, PermanentError):
            await self._dead_letter(d.msg, d.event.id, str(exc), d.deliveries)
        elif d.deliveries >= self._max_deliver:
            await self._dead_letter(
                d.msg,
                d.event.id,
                f"gave up after {d.deliveries} deliveries: {describe(exc)}",
                d.deliveries,
            )
        else:
            log.warning(
                "%s: %s failed (%s); will retry", self.sub.durable, d.event.id, describe(exc)
            )
            with contextlib.suppress(Exception):
                await d.msg.nak(delay=self._nak_delay * d.deliveries)

    async def _database_answers(self) -> bool:
        try:
            async with self._factory() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 5.0)
        except Exception:
            return False
        return True

    async def _hold_until_database_answers(self, batch: list[Delivery]) -> bool:
        """Keep the batch while the database is away (its messages marked in progress, so
        NATS neither redelivers them nor counts deliveries toward max_deliver); False if
        the runner is stopping first."""
        delay = 0.5
        while not self._stopping:
            for d in batch:
                with contextlib.suppress(Exception):
                    await d.msg.in_progress()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            if await self._database_answers():
                return True
        return False

    async def _nak_all(self, batch: list[Delivery]) -> None:
        for d in batch:
            with contextlib.suppress(Exception):
                await d.msg.nak()

    async def _dead_letter(
        self, msg: Msg, event_id: str | None, error: str, deliveries: int
    ) -> None:
        log.error(
            "%s: dead letter %s on %s: %s", self.sub.durable, event_id, msg.subject, error[:300]
        )
        try:
            async with transaction(self._factory) as session:
                await session.execute(
                    insert(self._t.dead_letters).values(
                        consumer=self.sub.durable,
                        event_id=event_id,
                        subject=msg.subject,
                        body=msg.data,
                        error=error[:4000],
                        deliveries=deliveries,
                        created_at=utcnow(),
                    )
                )
        except Exception as exc:  # not recorded: it must come again rather than vanish
            log.warning("%s: dead letter not recorded (%s)", self.sub.durable, describe(exc))
            with contextlib.suppress(Exception):
                await msg.nak(delay=self._nak_delay * deliveries)
            return
        self.stats.dead_letters += 1
        with contextlib.suppress(Exception):
            await msg.term()


class Overlap:
    """A runner's batch in flight beside the next one. A subscription with independent
    subjects, on PostgreSQL, applies a batch that shares no subject with the one still
    in flight at once, in a transaction of its own; a batch that shares one, or holds an
    event with no subject, waits for it. Each worker's (subject's) events stay in stream
    order; batches of different workers may commit in either order, and each is acked
    after its own commit."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self._runner = runner
        self._flights: list[asyncio.Task[None]] = []  # oldest first, at most two
        self._subjects: frozenset[str] | None = None  # the newest's; None: some unknown

    async def handle(self, msgs: Sequence[Msg]) -> None:
        runner = self._runner
        if not runner._overlap:
            await runner.handle_batch(msgs)
            return
        batch = await runner.readable(msgs)
        if not batch:
            return
        subjects = subjects_of(batch)
        if self._subjects is None or subjects is None or not subjects.isdisjoint(self._subjects):
            await self.finish()
        self._flights.append(asyncio.create_task(runner._apply(batch)))
        self._subjects = subjects
        if len(self._flights) == 2:  # the older finishes before a third starts
            await self._flights[0]
            del self._flights[0]

    async def finish(self) -> None:
        """Wait for every batch in flight (also when the runner is stopped meanwhile: a
        flight ends on its own, its events acked, or nak'ed while the database is away)."""
        while self._flights:
            await self._flights[0]
            del self._flights[0]
        self._subjects = None


def subjects_of(batch: Sequence[Delivery]) -> frozenset[str] | None:
    """The batch's subjects, or None when an event has none (it may touch any)."""
    subjects = [d.event.subject for d in batch]
    if None in subjects:
        return None
    return frozenset(cast(list[str], subjects))


async def inbox_claim(
    session: AsyncSession, inbox: Table, durable: str, events: Sequence[CloudEvent]
) -> set[str]:
    """Record in the inbox, in the transaction of their effects, the events this consumer
    has not applied yet; returns their ids (the others were applied before). PostgreSQL:
    one INSERT ... ON CONFLICT DO NOTHING RETURNING over arrays (a concurrent claim of the
    same events waits for the other transaction, then finds them taken); elsewhere one
    lookup and one executemany."""
    unique = list({e.id: e for e in events}.values())
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        rows = (
            func.unnest(
                bindparam("ids", [e.id for e in unique], type_=ARRAY(String)),
                bindparam("types", [e.type for e in unique], type_=ARRAY(String)),
            )
            .table_valued("event_id", "type")
            .render_derived(name="u")
        )
        claim = (
            pg_insert(inbox)
            .from_select(
                ["consumer", "event_id", "type", "processed_at"],
                select(
                    literal(durable, String()),
                    rows.c.event_id,
                    rows.c.type,
                    literal(now, UTCDateTime()),
                ),
            )
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox.c.event_id)
        )
        claimed = await session.scalars(claim)
        return set(claimed)
    found = await session.scalars(
        select(inbox.c.event_id).where(
            inbox.c.consumer == durable, inbox.c.event_id.in_([e.id for e in unique])
        )
    )
    seen = set(found)
    new = [e for e in unique if e.id not in seen]
    if new:
        await session.execute(
            insert(inbox),
            [
                {"consumer": durable, "event_id": e.id, "type": e.type, "processed_at": now}
                for e in new
            ],
        )
    return {e.id for e in new}


async def apply_once(
    factory: async_sessionmaker[AsyncSession],
    tables: EventTables,
    sub: Subscription,
    event: CloudEvent,
) -> bool:
    """One event through a subscription's handler, outside a delivery (`cwp dead-letters
    replay`): the effect and the inbox row in one transaction, as a delivery commits them.
    False when the inbox shows the event handled already: no effect."""
    async with transaction(factory) as session:
        if not await inbox_claim(session, tables.inbox, sub.durable, [event]):
            return False
        await sub.handler(session, event)
    return True
