"""The event backbone against a real nats-server: outbox relay, consumers with an inbox,
dead letters, NATS outages and restarts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from nats.js.api import ConsumerInfo, DiscardPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import Column, Integer, String, Table, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cwp_common.db import make_engine, make_session_factory, new_metadata, transaction, utcnow
from cwp_common.events.access import CONSUMERS, OPERATOR, Durable
from cwp_common.events.consumer import (
    BatchHandler,
    ConsumerRunner,
    Delivery,
    PermanentError,
    Subscription,
    parse,
)
from cwp_common.events.contracts import EventData
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.metrics import consumer_lag, read_backbone
from cwp_common.events.nats_link import NatsLink, ensure_stream
from cwp_common.events.outbox import RELAY_POOL, Outbox, OutboxPrune, OutboxRelay, relay_engine
from cwp_common.events.tables import EventTables, event_tables
from cwp_common.settings import PlatformSettings
from tests.support.databases import fresh_database
from tests.support.nats_server import NatsServer

metadata = new_metadata()
TABLES = event_tables(metadata)
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(100), nullable=False),
)


# "demo" is a service of the test's own, with the durables these tests use on its stream.
DEMO_CONSUMERS = {
    **CONSUMERS,
    "demo": tuple(
        Durable("demo", f"demo-{p}")
        for p in (
            "dups",
            "resume",
            "poison",
            "flaky",
            "choke",
            "perm",
            "restart",
            "owners",
            "inside",
            "crash",
            "order",
            "lag",
            "dbfault",
            "overlap",
            "steady",
        )
    ),
}


class NoteCreated(EventData):
    type: ClassVar[str] = "demo.note.created.v1"
    text: str


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


@dataclass
class Harness:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: EventTables
    link: NatsLink
    outbox: Outbox
    relay: OutboxRelay

    async def write_note(self, text: str) -> CloudEvent:
        async with transaction(self.sessions) as s:
            await s.execute(insert(notes).values(text=text))
            event = await self.outbox.add(s, NoteCreated(text=text))
        self.relay.notify()
        return event

    async def count(self, table: Table) -> int:
        async with self.sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(table)) or 0)

    async def pending(self) -> int:
        async with self.sessions() as s:
            t = self.tables.outbox
            q = select(func.count()).select_from(t).where(t.c.published_at.is_(None))
            return int(await s.scalar(q) or 0)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """This folder's server also knows the demo service."""
    server = NatsServer(tmp_path / "nats", consumers=DEMO_CONSUMERS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def harness(backend: str, tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[Harness]:
    url = await fresh_database(backend, "events", tmp_path)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_session_factory(engine)
    link = nats_server.link("demo", "test")
    link.start()
    assert await link.wait_connected(10)
    relay = OutboxRelay(engine, TABLES, link, poll_interval=0.2)
    relay.start()
    yield Harness(engine, sessions, TABLES, link, Outbox(TABLES, "cwp.demo"), relay)
    await relay.stop()
    await link.close()
    await engine.dispose()


def effect_handler(seen: list[str]) -> Callable[[AsyncSession, CloudEvent], Awaitable[None]]:
    """A handler whose effect is a row, so idempotency is visible in the database."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        data = parse(event, NoteCreated)
        await session.execute(insert(notes).values(text=f"seen:{data.text}"))
        seen.append(event.id)

    return handle


def batch_effect_handler(calls: list[int]) -> BatchHandler:
    """The set-based form of effect_handler: one INSERT for the whole batch; a payload
    that breaks its contract fails the batch (the runner then finds it by halves)."""

    async def handle(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        texts = [parse(e, NoteCreated).text for e in events]
        await session.execute(insert(notes), [{"text": f"seen:{t}"} for t in texts])
        calls.append(len(events))

    return handle


async def seen_rows(h: Harness) -> list[str]:
    async with h.sessions() as s:
        rows = await s.scalars(select(notes.c.text).where(notes.c.text.like("seen:%")))
        return sorted(rows)


async def test_outbox_event_is_published_with_its_id_as_msg_id(
    harness: Harness, nats_server: NatsServer
) -> None:
    event = await harness.write_note("hello")
    await wait_for(lambda: _zero(harness.pending))
    nc = await nats_server.connect()
    try:
        msg = await nc.jetstream().get_msg("DEMO", 1)
    finally:
        await nc.close()
    assert msg.headers is not None
    assert msg.headers["Nats-Msg-Id"] == event.id
    received = CloudEvent.from_bytes(msg.data or b"")
    assert received.type == "demo.note.created.v1"
    assert received.source == "cwp.demo"
    assert received.data == {"text": "hello"}


async def _zero(count: Callable[[], Awaitable[int]]) -> bool:
    return await count() == 0


async def test_writes_succeed_while_nats_is_down_and_events_follow(
    harness: Harness, nats_server: NatsServer
) -> None:
    await harness.write_note("before")
    await wait_for(lambda: _zero(harness.pending))
    nats_server.stop()
    for i in range(25):
        await harness.write_note(f"during-{i}")
    assert await harness.count(notes) == 26
    await asyncio.sleep(0.5)
    assert await harness.pending() == 25
    nats_server.start()
    await wait_for(lambda: _zero(harness.pending), timeout=30)
    assert await nats_server.messages_in("DEMO") == 26


async def test_republished_event_is_dropped_by_the_stream(
    harness: Harness, nats_server: NatsServer
) -> None:
    """A relay that crashed after publishing but before marking the row sends it again."""
    event = await harness.write_note("once")
    await wait_for(lambda: _zero(harness.pending))
    js = harness.link.jetstream()
    await js.publish(event.type, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    assert await nats_server.messages_in("DEMO") == 1


async def test_duplicate_delivery_changes_nothing(
    harness: Harness, nats_server: NatsServer
) -> None:
    event = CloudEvent.new("cwp.demo", NoteCreated.type, {"text": "dup"}, None)
    js = harness.link.jetstream()
    for _ in range(3):  # no Nats-Msg-Id: the stream keeps all three copies
        await js.publish(event.type, event.to_bytes())
    seen: list[str] = []
    await drain(harness, "demo-dups", effect_handler(seen))
    assert await seen_rows(harness) == ["seen:dup"]
    assert await harness.count(TABLES.inbox) == 1


async def drain(
    h: Harness,
    durable: str,
    handler: Callable[[AsyncSession, CloudEvent], Awaitable[None]],
    timeout: float = 15.0,
    batch_handler: BatchHandler | None = None,
    independent_subjects: bool = False,
    **options: Any,
) -> None:
    """Run one consumer (ConsumerRunner `options` as given) until the stream is drained."""
    # The notes written are in the stream first: a consumer made before the relay had
    # published them would find nothing pending and look drained (a loaded machine).
    await wait_for(lambda: _zero(h.pending), timeout=timeout)
    sub = Subscription(durable, "demo.note.>", handler, batch_handler, independent_subjects)
    runner = ConsumerRunner(sub, h.link, h.sessions, TABLES, **options)
    runner.start()
    try:
        await wait_for(lambda: _consumer_drained(h, durable), timeout=timeout)
    finally:
        await runner.stop()


async def consume_all(h: Harness, durable: str) -> list[str]:
    """Run a consumer with the effect handler until the stream is drained; the ids seen."""
    seen: list[str] = []
    await drain(h, durable, effect_handler(seen))
    return seen


async def _consumer_drained(h: Harness, durable: str) -> bool:
    try:
        info: ConsumerInfo = await h.link.jetstream().consumer_info("DEMO", durable)
    except NotFoundError:  # the runner has not created it yet
        return False
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_consumer_restarted_mid_stream_resumes_without_loss(
    harness: Harness, nats_server: NatsServer
) -> None:
    for i in range(40):
        await harness.write_note(f"n{i:02d}")
    await wait_for(lambda: _zero(harness.pending))
    seen: list[str] = []
    sub = Subscription("demo-resume", "demo.note.>", effect_handler(seen))
    first = ConsumerRunner(sub, harness.link, harness.sessions, TABLES, batch=5)
    first.start()
    await wait_for(lambda: _at_least(seen, 5))
    await first.stop()
    second = ConsumerRunner(sub, harness.link, harness.sessions, TABLES, batch=5)
    second.start()
    try:
        await wait_for(lambda: _consumer_drained(harness, "demo-resume"))
    finally:
        await second.stop()
    assert await seen_rows(harness) == [f"seen:n{i:02d}" for i in range(40)]


async def _at_least(items: list[str], n: int) -> bool:
    return len(items) >= n


async def test_poison_messages_end_in_dead_letters(
    harness: Harness, nats_server: NatsServer
) -> None:
    js = harness.link.jetstream()
    await js.publish("demo.note.created.v1", b"not json at all")
    bad = CloudEvent.new("cwp.demo", NoteCreated.type, {"wrong": 1}, None)
    await js.publish(bad.type, bad.to_bytes())
    good = await harness.write_note("fine")
    seen = await consume_all(harness, "demo-poison")
    assert seen == [good.id]
    async with harness.sessions() as s:
        rows = (await s.execute(select(TABLES.dead_letters))).all()
    assert len(rows) == 2
    assert {r.event_id for r in rows} == {None, bad.id}
    assert any("unreadable envelope" in r.error for r in rows)
    assert any("breaks its contract" in r.error for r in rows)


async def test_transient_failure_is_retried_then_given_up(
    harness: Harness, nats_server: NatsServer
) -> None:
    attempts: dict[str, int] = {}

    async def flaky(session: AsyncSession, event: CloudEvent) -> None:
        data = parse(event, NoteCreated)
        attempts[data.text] = attempts.get(data.text, 0) + 1
        if data.text == "never" or attempts[data.text] < 3:
            raise ConnectionError("database briefly unavailable")
        await session.execute(insert(notes).values(text=f"seen:{data.text}"))

    await harness.write_note("third-time")
    await harness.write_note("never")
    await drain(harness, "demo-flaky", flaky, timeout=30, max_deliver=4, nak_delay=0.05)
    assert attempts == {"third-time": 3, "never": 4}
    assert await seen_rows(harness) == ["seen:third-time"]
    async with harness.sessions() as s:
        dead = (await s.execute(select(TABLES.dead_letters))).all()
    assert [d.deliveries for d in dead] == [4]


async def test_dead_letters_keep_the_error_type_not_the_row_values(
    harness: Harness, nats_server: NatsServer
) -> None:
    async def choke(session: AsyncSession, event: CloudEvent) -> None:
        data = parse(event, NoteCreated)
        raise ValueError(f"cannot file {data.text}")  # the text could be a birth date

    secret = "born 1990-01-01, phone 13912345678"
    await harness.write_note(secret)
    await drain(harness, "demo-choke", choke, timeout=30, max_deliver=2, nak_delay=0.05)
    async with harness.sessions() as s:
        (dead,) = (await s.execute(select(TABLES.dead_letters))).all()
    assert dead.error == "gave up after 2 deliveries: ValueError"
    assert secret not in dead.error


async def test_permanent_error_is_not_retried(harness: Harness, nats_server: NatsServer) -> None:
    calls = 0

    async def refuse(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("refers to a worker this service will never know")

    await harness.write_note("x")
    await drain(harness, "demo-perm", refuse)
    assert calls == 1
    assert await harness.count(TABLES.dead_letters) == 1


async def test_consumer_recovers_after_nats_restart(
    harness: Harness, nats_server: NatsServer
) -> None:
    seen: list[str] = []
    runner = ConsumerRunner(
        Subscription("demo-restart", "demo.note.>", effect_handler(seen)),
        harness.link,
        harness.sessions,
        TABLES,
    )
    runner.start()
    try:
        await harness.write_note("a")
        await wait_for(lambda: _at_least(seen, 1))
        nats_server.stop()
        await asyncio.sleep(1.0)
        await harness.write_note("b")  # written while NATS is down
        nats_server.start()
        await harness.write_note("c")
        await wait_for(lambda: _at_least(seen, 3), timeout=40)
    finally:
        await runner.stop()
    assert await seen_rows(harness) == ["seen:a", "seen:b", "seen:c"]


async def test_ensure_stream_is_idempotent(nats_server: NatsServer) -> None:
    nc = await nats_server.connect(OPERATOR)  # only operations may (cwp streams apply)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "demo")
        await ensure_stream(js, "demo")
        info = await js.stream_info("DEMO")
        assert info.config.subjects == ["demo.>"]
    finally:
        await nc.close()


async def test_an_event_not_from_the_owner_of_its_subject_is_refused(
    harness: Harness, nats_server: NatsServer
) -> None:
    """The source must be cwp.<first token of the subject>, and the type the subject."""
    js = harness.link.jetstream()
    forged = CloudEvent.new("cwp.registry", NoteCreated.type, {"text": "forged"}, None)
    await js.publish(forged.type, forged.to_bytes())
    retyped = CloudEvent.new("cwp.demo", "demo.note.deleted.v1", {"text": "retyped"}, None)
    await js.publish(NoteCreated.type, retyped.to_bytes())
    good = await harness.write_note("genuine")
    seen = await consume_all(harness, "demo-owners")
    assert seen == [good.id]
    assert await seen_rows(harness) == ["seen:genuine"]
    async with harness.sessions() as s:
        dead = {r.event_id: r for r in (await s.execute(select(TABLES.dead_letters))).all()}
    assert set(dead) == {forged.id, retyped.id}
    assert "not from its owner" in dead[forged.id].error
    assert "'cwp.registry' is not 'cwp.demo'" in dead[forged.id].error
    assert "demo.note.deleted.v1" in dead[retyped.id].error
    assert await harness.count(TABLES.inbox) == 1


def no_subject(_: int) -> str | None:
    return None


async def publish_notes(
    h: Harness,
    texts: list[str],
    poison_at: int | None = None,
    subject: Callable[[int], str | None] = no_subject,
) -> str:
    """Publish the notes straight to the stream (one fetch takes them all), the i-th with
    `subject(i)` as its subject; with `poison_at`, a note whose payload breaks its
    contract sits at that place. Returns the poison's event id ("" without one)."""
    js = h.link.jetstream()
    poison_id = ""
    for i, text in enumerate(texts):
        if i == poison_at:
            bad = CloudEvent.new("cwp.demo", NoteCreated.type, {"wrong": 1}, subject(i))
            await js.publish(bad.type, bad.to_bytes())
            poison_id = bad.id
        event = CloudEvent.new("cwp.demo", NoteCreated.type, {"text": text}, subject(i))
        await js.publish(event.type, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    return poison_id


@pytest.mark.parametrize("form", ["batch", "one-at-a-time", "overlapping batches"])
async def test_a_poison_event_inside_a_batch_fails_alone(
    harness: Harness, nats_server: NatsServer, form: str
) -> None:
    texts = [f"n{i:02d}" for i in range(20)]
    poison = await publish_notes(harness, texts, poison_at=13, subject=lambda i: f"w{i // 4}")
    seen: list[str] = []
    calls: list[int] = []
    batch_handler = batch_effect_handler(calls) if form != "one-at-a-time" else None
    await drain(
        harness,
        "demo-inside",
        effect_handler(seen),
        batch_handler=batch_handler,
        independent_subjects=form == "overlapping batches",
        batch=4,
    )
    # Everything else committed, each once; the poison alone is a dead letter, with why.
    assert await seen_rows(harness) == [f"seen:{t}" for t in texts]
    assert await harness.count(TABLES.inbox) == 20
    async with harness.sessions() as s:
        (dead,) = (await s.execute(select(TABLES.dead_letters))).all()
    assert dead.event_id == poison
    assert "breaks its contract" in dead.error
    if form != "one-at-a-time":
        assert max(calls) > 1  # the set-based form did run on several events at once


SUBJECTS: dict[str, Callable[[int], str | None]] = {
    "ten a subject": lambda i: f"w{i // 10}",
    "one subject": lambda i: "w",
    "no subject": no_subject,
}


@pytest.mark.parametrize("subjects", list(SUBJECTS))
async def test_batches_overlap_only_when_they_share_no_subject(
    harness: Harness, nats_server: NatsServer, backend: str, subjects: str
) -> None:
    """A subscription with independent subjects, on PostgreSQL: a batch sharing no
    subject with the one in flight is applied beside it, never more than two at once;
    each subject's events still apply in stream order, each once."""
    texts = [f"v{i:03d}" for i in range(120)]
    await publish_notes(harness, texts, subject=SUBJECTS[subjects])
    applied: list[tuple[str | None, str]] = []
    running = [0, 0]  # now, most at once

    async def apply(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        running[0] += 1
        running[1] = max(running[1], running[0])
        try:
            await session.execute(
                insert(notes), [{"text": f"seen:{parse(e, NoteCreated).text}"} for e in events]
            )
            await asyncio.sleep(0.2)  # the next batch arrives meanwhile, even on a busy machine
            applied.extend((e.subject, parse(e, NoteCreated).text) for e in events)
        finally:
            running[0] -= 1

    async def apply_one(session: AsyncSession, event: CloudEvent) -> None:
        await apply(session, [event])

    await drain(
        harness, "demo-overlap", apply_one, batch_handler=apply, independent_subjects=True, batch=10
    )
    assert await seen_rows(harness) == [f"seen:{t}" for t in texts]
    for subject in {s for s, _ in applied}:
        mine = [t for s, t in applied if s == subject]
        assert mine == sorted(mine), subject
    overlaps = backend == "postgresql" and subjects == "ten a subject"
    assert running[1] == (2 if overlaps else 1)


class LosesAcks(ConsumerRunner):
    """A process that dies after its commit, before its acks reach NATS."""

    async def _ack(self, d: Delivery) -> None:
        return None


async def test_a_crash_between_commit_and_ack_changes_nothing(
    harness: Harness, nats_server: NatsServer
) -> None:
    texts = [f"c{i:02d}" for i in range(30)]
    await publish_notes(harness, texts)
    seen: list[str] = []
    sub = Subscription("demo-crash", "demo.note.>", effect_handler(seen), batch_effect_handler([]))
    first = LosesAcks(sub, harness.link, harness.sessions, TABLES, ack_wait=1.0)
    first.start()
    await wait_for(lambda: _applied(first, 30))
    await first.stop()
    assert await seen_rows(harness) == [f"seen:{t}" for t in texts]
    # NATS never heard of the commit: the next process gets every event again.
    second = ConsumerRunner(sub, harness.link, harness.sessions, TABLES, ack_wait=1.0)
    second.start()
    try:
        await wait_for(lambda: _consumer_drained(harness, "demo-crash"), timeout=30)
    finally:
        await second.stop()
    assert second.stats.duplicates == 30
    assert second.stats.applied == 0
    assert await seen_rows(harness) == [f"seen:{t}" for t in texts]
    assert await harness.count(TABLES.inbox) == 30


async def _applied(runner: ConsumerRunner, n: int) -> bool:
    return runner.stats.applied >= n


async def cut_off_database(session: AsyncSession, backend: str) -> Callable[[], Awaitable[None]]:
    """A real database fault under the session's open transaction: its connection is
    killed (PostgreSQL: pg_terminate_backend, after the database stopped accepting
    connections, so the consumer finds it away; SQLite: the driver's connection closed
    under it). Returns what brings the database back."""
    if backend == "sqlite":
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.close()  # type: ignore[union-attr]

        async def nothing_to_restore() -> None:
            return None

        return nothing_to_restore
    name = (await session.connection()).engine.url.database
    admin = make_engine(
        str(make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+asyncpg")),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        await conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )

    async def restore() -> None:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        await admin.dispose()

    return restore


async def test_a_database_fault_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    harness: Harness, nats_server: NatsServer, backend: str
) -> None:
    texts = [f"f{i:02d}" for i in range(40)]
    await publish_notes(harness, texts)
    calls: list[int] = []
    restores: list[Callable[[], Awaitable[None]]] = []

    async def faulty(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        """Writes the batch's effects; the first time, the database then goes away before
        the batch can commit."""
        rows = [{"text": f"seen:{parse(e, NoteCreated).text}"} for e in events]
        await session.execute(insert(notes), rows)
        calls.append(len(events))
        if len(calls) == 1:
            restores.append(await cut_off_database(session, backend))
            await session.execute(insert(notes).values(text="after the fault"))

    seen: list[str] = []
    sub = Subscription("demo-dbfault", "demo.note.>", effect_handler(seen), faulty)
    runner = ConsumerRunner(sub, harness.link, harness.sessions, TABLES)
    runner.start()
    try:
        await wait_for(lambda: _faulted(restores), timeout=30)
        if backend == "postgresql":  # the batch is held while the database refuses
            await wait_for(lambda: _held(runner), timeout=30)
            assert runner.stats.applied == 0
        await restores[0]()
        await wait_for(lambda: _consumer_drained(harness, "demo-dbfault"), timeout=60)
    finally:
        await runner.stop()
        for restore in restores[1:]:
            await restore()
    assert calls[0] > 1  # the fault hit a batch of several events
    # Every event's effect exactly once, none of the failed transaction's, no dead letter.
    assert await seen_rows(harness) == sorted(f"seen:{t}" for t in texts)
    assert await harness.count(notes) == len(texts)
    assert await harness.count(TABLES.inbox) == len(texts)
    assert await harness.count(TABLES.dead_letters) == 0
    assert runner.stats.applied == len(texts)


async def _faulted(restores: list[Callable[[], Awaitable[None]]]) -> bool:
    return bool(restores)


async def _held(runner: ConsumerRunner) -> bool:
    return runner.stats.held >= 1


async def test_a_batch_handler_gets_the_events_in_stream_order(
    harness: Harness, nats_server: NatsServer
) -> None:
    order: list[str] = []

    async def record(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        order.extend(parse(e, NoteCreated).text for e in events)

    async def record_one(session: AsyncSession, event: CloudEvent) -> None:
        await record(session, [event])

    texts = [f"o{i:03d}" for i in range(120)]
    await publish_notes(harness, texts)
    await drain(harness, "demo-order", record_one, batch_handler=record, batch=50)
    assert order == texts


async def test_a_steady_stream_is_applied_as_it_comes_not_a_quarter_second_at_a_time(
    harness: Harness, nats_server: NatsServer
) -> None:
    """Notes arriving every 20 ms: once a batch is applied the next takes what is there
    and goes, instead of topping up for FILL_MAX_S (a quarter of a second) while the
    consumer sits idle, which made at most 4 batches a second."""
    batches: list[int] = []

    async def record(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        batches.append(len(events))

    async def record_one(session: AsyncSession, event: CloudEvent) -> None:
        await record(session, [event])

    runner = ConsumerRunner(
        Subscription("demo-steady", "demo.note.>", record_one, record),
        harness.link,
        harness.sessions,
        TABLES,
    )
    runner.start()
    try:
        await publish_notes(harness, ["first"])
        await wait_for(lambda: _consumer_drained(harness, "demo-steady"))
        batches.clear()
        for i in range(50):
            await publish_notes(harness, [f"s{i:02d}"])
            await asyncio.sleep(0.02)
        await wait_for(lambda: _consumer_drained(harness, "demo-steady"))
    finally:
        await runner.stop()
    assert sum(batches) == 50
    assert len(batches) >= 10, batches


async def test_lag_outbox_backlog_and_dead_letters_are_measured(
    harness: Harness, nats_server: NatsServer
) -> None:
    """Pending messages and the age of the oldest unapplied event per durable, the outbox
    backlog and its age, dead letters per consumer: what /metrics and /readyz report."""
    sub = Subscription("demo-lag", "demo.note.>", effect_handler([]))
    runner = ConsumerRunner(sub, harness.link, harness.sessions, TABLES)
    await publish_notes(harness, ["early"])
    runner.start()
    await wait_for(lambda: _applied(runner, 1))
    await runner.stop()
    caught_up = await consumer_lag(harness.link, runner)
    assert (caught_up.pending, caught_up.oldest_unapplied_age_seconds) == (0, 0.0)
    poison = await publish_notes(harness, ["late-1", "late-2"], poison_at=0)
    await asyncio.sleep(1.0)
    behind = await consumer_lag(harness.link, runner)
    assert behind.pending == 3
    assert behind.oldest_unapplied_age_seconds is not None
    assert 1.0 <= behind.oldest_unapplied_age_seconds < 30
    runner.start()
    try:
        await wait_for(lambda: _consumer_drained(harness, "demo-lag"))
    finally:
        await runner.stop()
    nats_server.stop()
    await harness.write_note("while NATS is down")
    await asyncio.sleep(0.5)
    reading = await read_backbone(harness.sessions, TABLES, harness.link, [runner])
    assert reading.outbox_pending == 1
    assert reading.outbox_oldest_age_seconds >= 0.5
    assert reading.dead_letters == {"demo-lag": 1}
    assert reading.consumers["demo-lag"].error == "NATS not connected"
    assert runner.stats.dead_letters == 1
    async with harness.sessions() as s:
        assert await s.scalar(select(TABLES.dead_letters.c.event_id)) == poison


async def stage_notes(h: Harness, n: int, size: int = 0) -> list[str]:
    """n events (texts padded to `size`) staged in one transaction, as a bulk write
    stages them; their ids in outbox (seq) order."""
    envelopes = [
        h.outbox.envelope(NoteCreated(text=f"b{i:04d}".ljust(size, "."))) for i in range(n)
    ]
    async with transaction(h.sessions) as s:
        await h.outbox.add_rows(s, [Outbox.values(e) for e in envelopes])
    return [e.id for e in envelopes]


async def stream_ids(server: NatsServer) -> list[str]:
    """The event ids the DEMO stream holds, in stream order."""
    nc = await server.connect()
    try:
        js = nc.jetstream()
        state = (await js.stream_info("DEMO")).state
        ids = []
        for seq in range(state.first_seq, state.last_seq + 1):
            msg = await js.get_msg("DEMO", seq)
            ids.append((msg.headers or {})["Nats-Msg-Id"])
        return ids
    finally:
        await nc.close()


async def small_batches(h: Harness, batch: int) -> OutboxRelay:
    """A relay with small batches in place of the harness's, so that a backlog is many
    batches (two in flight at once on PostgreSQL)."""
    await h.relay.stop()
    relay = OutboxRelay(h.engine, TABLES, h.link, batch=batch, poll_interval=0.2)
    relay.start()
    return relay


async def test_the_relay_keeps_the_outbox_order_across_overlapping_batches(
    harness: Harness, nats_server: NatsServer
) -> None:
    await harness.relay.stop()
    # Large events: a batch overfills the connection's buffer, so publishing it waits
    # for the socket midway (the moment another batch could cut in).
    ids = await stage_notes(harness, 1000, size=20_000)
    relay = await small_batches(harness, 25)
    try:
        await wait_for(lambda: _zero(harness.pending), timeout=30)
    finally:
        await relay.stop()
    assert await stream_ids(nats_server) == ids


async def test_a_batch_the_stream_refused_is_retried_in_order_and_loses_nothing(
    harness: Harness, nats_server: NatsServer
) -> None:
    """The stream takes 100 messages and refuses the rest (a full stream); once it takes
    more, the refused rows leave in order, from the oldest unsent."""
    nc = await nats_server.connect()
    try:
        js = nc.jetstream()
        config = (await js.stream_info("DEMO")).config
        config.max_msgs, config.discard = 100, DiscardPolicy.NEW
        await js.update_stream(config)
        await harness.relay.stop()
        ids = await stage_notes(harness, 300)
        relay = await small_batches(harness, 25)
        try:
            await wait_for(lambda: _tried(harness))
            assert await harness.pending() == 200
            assert await nats_server.messages_in("DEMO") == 100
            config.max_msgs = -1
            await js.update_stream(config)
            relay.notify()  # rather than the back-off's wait
            await wait_for(lambda: _zero(harness.pending), timeout=30)
        finally:
            await relay.stop()
    finally:
        await nc.close()
    assert await stream_ids(nats_server) == ids


async def _fewer(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() < n


async def _tried(h: Harness) -> bool:
    """A row has failed (its batch was not confirmed) at least once."""
    async with h.sessions() as s:
        t = h.tables.outbox
        return bool(await s.scalar(select(func.count()).select_from(t).where(t.c.attempts > 0)))


async def test_a_relay_stopped_mid_flight_loses_and_doubles_nothing(
    harness: Harness, nats_server: NatsServer
) -> None:
    """Cancelled between publishing and marking (grace 0), the batches in flight stay
    unsent; the next relay sends them again and the stream's duplicate window drops
    what it had stored: each event once, in order."""
    await harness.relay.stop()
    ids = await stage_notes(harness, 4000)
    relay = await small_batches(harness, 20)
    await wait_for(lambda: _fewer(harness.pending, 3900))
    await relay.stop(grace=0)
    assert await harness.pending() > 0  # stopped mid-flight indeed
    again = await small_batches(harness, 20)
    try:
        await wait_for(lambda: _zero(harness.pending), timeout=30)
    finally:
        await again.stop()
    assert await stream_ids(nats_server) == ids


async def test_a_trickle_of_single_events_costs_one_select_each(
    harness: Harness, nats_server: NatsServer
) -> None:
    """Each commit of one event wakes the relay for that event alone (a steady stream of
    single writes): one batch selects it and marks it, and nothing selects again an
    outbox left drained (a batch that came short), nor does a second lane start
    without a backlog (a full batch)."""
    await harness.relay.stop()
    relay = OutboxRelay(harness.engine, TABLES, harness.link, poll_interval=60)
    relay.start()
    await asyncio.sleep(0.3)  # its first look at the (empty) outbox is behind it
    selects: list[str] = []

    def note_select(_c: object, _cur: object, statement: str, *_: object) -> None:
        if "ORDER BY outbox.published_at" in statement:  # the relay's batch, not a count
            selects.append(statement)

    sync_engine = harness.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", note_select)
    try:
        for i in range(5):
            async with transaction(harness.sessions) as s:
                await harness.outbox.add(s, NoteCreated(text=f"single-{i}"))
            relay.notify()
            await wait_for(lambda: _zero(harness.pending))
    finally:
        event.remove(sync_engine, "before_cursor_execute", note_select)
        await relay.stop()
    assert len(selects) == 5
    assert await nats_server.messages_in("DEMO") == 5


async def test_the_relay_has_a_pool_of_its_own_on_postgresql() -> None:
    """Under load the requests hold the service's connections: the relay gets its own
    small pool on PostgreSQL (SQLite keeps the one engine: one writer at a time)."""
    service = make_engine("postgresql+asyncpg://cwp@127.0.0.1:5432/cwp_nowhere")
    relay = relay_engine(service)
    try:
        assert relay is not service
        assert relay.url == service.url
        assert relay.pool.size() == RELAY_POOL  # type: ignore[attr-defined]
        assert relay.pool is not service.pool
    finally:
        await relay.dispose()
        await service.dispose()
    lite = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        assert relay_engine(lite) is lite
    finally:
        await lite.dispose()


async def test_the_relay_plans_its_statements_for_the_outbox_as_it_is(
    backend: str, tmp_path: Path
) -> None:
    """A statement prepared and run while the outbox was nearly empty, then run again
    once it holds many sent rows: on the relay's connections it reads the rows it marks
    through the key's index, not the whole table (a cached plan of the empty table did,
    for every batch, until the table was analyzed)."""
    if backend != "postgresql":
        pytest.skip("a plan cache of PostgreSQL")
    url = await fresh_database(backend, "events", tmp_path)
    service = make_engine(url)
    relay = relay_engine(service)
    outbox = TABLES.outbox.name
    rows = (
        f"INSERT INTO {outbox} (event_id, type, body, created_at, published_at, attempts) "
        "SELECT 'e' || g, 'cwp.demo.note.created.v1', '\\x00', now(), {sent}, 0 "
        "FROM generate_series({first}, {last}) g"
    )
    try:
        async with service.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.exec_driver_sql(rows.format(sent="NULL", first=1, last=5))
        async with relay.connect() as conn:
            await conn.exec_driver_sql(
                f"PREPARE mark(timestamptz, bigint[]) AS "
                f"UPDATE {outbox} SET published_at = $1 WHERE seq = ANY($2)"
            )
            for _ in range(8):  # past the five runs after which a plan may be cached
                await conn.exec_driver_sql("EXECUTE mark(now(), ARRAY[1, 2])")
            await conn.exec_driver_sql(rows.format(sent="now()", first=6, last=20_000))
            plan = await conn.exec_driver_sql("EXPLAIN EXECUTE mark(now(), ARRAY[3, 4])")
            steps = "\n".join(plan.scalars())
    finally:
        await relay.dispose()
        await service.dispose()
    assert "Seq Scan" not in steps, steps
    assert "Index" in steps, steps


async def test_the_prune_deletes_only_rows_published_before_the_window(
    backend: str, tmp_path: Path
) -> None:
    """Sent rows older than `keep_days` go, in slices; newer sent rows and unsent rows of
    any age stay (an unsent row is an event not yet delivered)."""
    url = await fresh_database(backend, "prune", tmp_path)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_session_factory(engine)
    now = utcnow()
    ages = {"old-sent": (10, True), "new-sent": (2, True), "old-unsent": (30, False)}
    rows: list[dict[str, Any]] = [
        {
            "event_id": f"{kind}-{i}",
            "type": "demo.note.created.v1",
            "body": b"{}",
            "created_at": now - timedelta(days=days),
            "published_at": now - timedelta(days=days) if sent else None,
            "attempts": 0,
        }
        for kind, (days, sent) in ages.items()
        for i in range(5)
    ]
    try:
        async with transaction(sessions) as s:
            await s.execute(insert(TABLES.outbox), rows)
        prune = OutboxPrune(sessions, TABLES, keep_days=7, slice_rows=2)
        assert await prune.prune() == 5
        assert await prune.prune() == 0  # again: nothing more to do
        async with sessions() as s:
            left = set(await s.scalars(select(TABLES.outbox.c.event_id)))
        assert left == {r["event_id"] for r in rows if not r["event_id"].startswith("old-sent")}
    finally:
        await engine.dispose()


def test_the_outbox_keeps_sent_rows_a_week_by_default() -> None:
    assert PlatformSettings().outbox_keep_days == 7
    with pytest.raises(ValidationError, match="outbox_keep_days"):
        PlatformSettings(outbox_keep_days=0)
