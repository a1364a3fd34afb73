"""A read request's get by key runs straight on the driver (cwp_common.direct_reads):
the same object the ORM gives, the same scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Enum, Numeric, String, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cwp_common.auth import Principal
from cwp_common.db import (
    AnySelect,
    ReadOnlySession,
    UTCDateTime,
    WriteInReadSession,
    make_engine,
    make_read_session_factory,
    make_session_factory,
    new_id,
    read_engine,
)
from cwp_common.direct_reads import (
    DIRECT_READS,
    ROUND_TRIPS_IN_FLIGHT,
    DirectReads,
    direct_reads,
)
from cwp_common.repository import PLATFORM, Repository
from tests.support.databases import engine_with


class Base(DeclarativeBase):
    pass


class Shade(enum.StrEnum):
    LIGHT = "light"
    DARK = "dark"


class Record(Base):
    """One column of each kind the services store."""

    __tablename__ = "records"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    worker_id: Mapped[uuid.UUID | None]
    day: Mapped[date]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    shade: Mapped[Shade] = mapped_column(Enum(Shade, native_enum=False, length=8))
    flag: Mapped[bool]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(50))


class Records(Repository[Record]):
    model = Record
    key = Record.id
    scope_column = Record.code
    worker_column = Record.worker_id


class NotedBy(Repository[Record]):
    """Scoped by who asks (as webhook subscriptions are their owner's)."""

    model = Record
    key = Record.id

    def scope(self, stmt: AnySelect) -> AnySelect:
        return stmt.where(Record.note == self.principal.subject)


class CodesOnly(Repository[Record]):
    """A repository whose scoped select is not one plain entity: the ORM runs it."""

    model = Record
    key = Record.id
    scope_column = Record.code

    def scoped(self) -> AnySelect:
        return self.scope(select(Record.code, Record.id))


SHANGHAI = Principal(subject="u", kind="user", roles=frozenset({"viewer"}), region="31")
BEIJING = Principal(subject="u", kind="user", roles=frozenset({"viewer"}), region="11")


@pytest.fixture
async def engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with engine_with(Base.metadata, backend, "directreads", tmp_path) as engine:
        yield engine


@pytest.fixture
async def reads(engine: AsyncEngine) -> AsyncIterator[DirectReads]:
    found = direct_reads(engine)
    assert found is not None
    yield found
    await found.close()


def read_sessions(engine: AsyncEngine, reads: DirectReads) -> async_sessionmaker[AsyncSession]:
    return make_read_session_factory(read_engine(engine), {DIRECT_READS: reads})


async def store(engine: AsyncEngine, **values: Any) -> Record:
    row = Record(
        id=new_id(),
        code=values.pop("code", "310101002001"),
        worker_id=values.pop("worker_id", None),
        day=date(2024, 2, 29),
        at=datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
        amount=Decimal("1234.50"),
        shade=Shade.DARK,
        flag=True,
        extra={"hours": [1, 2], "名": "张"},
        note=values.pop("note", None),
    )
    async with make_session_factory(engine)() as s, s.begin():
        s.add(row)
    return row


COLUMNS = [c.key for c in Record.__table__.columns]


async def test_a_read_session_makes_its_orm_half_only_when_a_statement_needs_it(
    engine: AsyncEngine, reads: DirectReads
) -> None:
    stored = await store(engine)
    sessions = read_sessions(engine, reads)
    s = sessions()
    assert await Records(s, PLATFORM).get(stored.id) is not None
    assert "sync_session" not in vars(s), "a get by key needs no ORM session"
    assert not s.in_transaction()
    assert s.info[DIRECT_READS] is reads
    with pytest.raises(TypeError):  # the factory's info, shared by every session
        s.info["mine"] = 1
    await s.close()
    assert "sync_session" not in vars(s)

    assert await s.scalar(select(Record.code)) == "310101002001"  # now the ORM runs
    assert isinstance(s.sync_session, ReadOnlySession)
    s.info["mine"] = 1
    assert "mine" not in sessions().info, "each made session has its own info"
    s.add(Record(id=new_id()))
    with pytest.raises(WriteInReadSession):
        await s.flush()
    await s.close()


async def test_the_direct_row_is_the_orm_row(engine: AsyncEngine, reads: DirectReads) -> None:
    stored = await store(engine, note="见面")
    async with make_session_factory(engine)() as s:
        orm = await s.scalar(select(Record).where(Record.id == stored.id))
    async with read_sessions(engine, reads)() as s:
        direct = await Records(s, PLATFORM).get(stored.id)
    assert direct is not None
    assert orm is not None
    assert len(s.sync_session.identity_map) == 0, "the direct path keeps no identity map"
    for name in COLUMNS:
        got, want = getattr(direct, name), getattr(orm, name)
        assert (got, type(got)) == (want, type(want)), name
    assert direct.at.tzinfo is not None
    assert direct.shade is Shade.DARK


async def test_scope_applies_as_on_the_orm_path(engine: AsyncEngine, reads: DirectReads) -> None:
    mine = await store(engine, code="310101002001")
    theirs = await store(engine, code="110101001001")
    async with read_sessions(engine, reads)() as s:
        assert (await Records(s, SHANGHAI).get(mine.id)) is not None
        assert await Records(s, SHANGHAI).get(theirs.id) is None
        assert (await Records(s, BEIJING).get(theirs.id)) is not None
        assert await Records(s, BEIJING).get(mine.id) is None
        assert await Records(s, SHANGHAI).get(uuid.uuid4()) is None


async def test_a_worker_sees_only_their_own(engine: AsyncEngine, reads: DirectReads) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    own = await store(engine, worker_id=me)
    not_own = await store(engine, worker_id=other)
    worker = Principal(
        subject="w",
        kind="user",
        roles=frozenset({"worker"}),
        region="310101002001",
        worker_id=str(me),
    )
    async with read_sessions(engine, reads)() as s:
        assert (await Records(s, worker).get(own.id)) is not None
        assert await Records(s, worker).get(not_own.id) is None


async def test_a_scope_by_subject_is_not_shared(engine: AsyncEngine, reads: DirectReads) -> None:
    stored = await store(engine, note="alice")
    alice = Principal(subject="alice", kind="client", roles=frozenset({"viewer"}), region="")
    bob = Principal(subject="bob", kind="client", roles=frozenset({"viewer"}), region="")
    async with read_sessions(engine, reads)() as s:
        assert (await NotedBy(s, alice).get(stored.id)) is not None
        assert await NotedBy(s, bob).get(stored.id) is None


async def test_what_it_cannot_run_goes_through_the_orm(
    engine: AsyncEngine, reads: DirectReads
) -> None:
    stored = await store(engine)
    async with read_sessions(engine, reads)() as s:
        row: object = await CodesOnly(s, SHANGHAI).get(stored.id)  # not the typed Record
    assert row == stored.code  # the ORM's scalar of a two-column select: its first column


async def test_a_write_session_and_for_update_stay_on_the_orm(
    engine: AsyncEngine, reads: DirectReads
) -> None:
    stored = await store(engine)
    async with read_sessions(engine, reads)() as s:
        locked = await Records(s, PLATFORM).get(stored.id, for_update=True)
        assert locked in s.sync_session, "loaded by the ORM"
    async with make_session_factory(engine)() as s:
        loaded = await Records(s, PLATFORM).get(stored.id)
        assert loaded in s.sync_session


async def test_a_change_is_seen_at_once(engine: AsyncEngine, reads: DirectReads) -> None:
    stored = await store(engine, note="before")
    async with read_sessions(engine, reads)() as s:
        assert (await Records(s, PLATFORM).get(stored.id)).note == "before"  # type: ignore[union-attr]
    async with make_session_factory(engine)() as w, w.begin():
        (await w.get_one(Record, stored.id)).note = "after"
    async with read_sessions(engine, reads)() as s:
        assert (await Records(s, PLATFORM).get(stored.id)).note == "after"  # type: ignore[union-attr]


async def test_an_unreachable_postgresql_is_a_busy_database(tmp_path: Path) -> None:
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    reads = direct_reads(engine)
    assert reads is not None
    try:
        async with read_sessions(engine, reads)() as s:
            with pytest.raises(OperationalError):  # answered 503 by the problem handlers
                await Records(s, PLATFORM).get(uuid.uuid4())
    finally:
        await reads.close()
        await engine.dispose()


def count_round_trips(reads: DirectReads, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many keys each PostgreSQL round trip carried, from now on."""
    trips: list[int] = []
    run = reads._run  # type: ignore[attr-defined]

    async def counted(prepared: Any, sql: str, args: list[Any], many: bool) -> Any:
        trips.append(len(args[prepared.key_slot]) if many else 1)
        return await run(prepared, sql, args, many)

    monkeypatch.setattr(reads, "_run", counted)
    return trips


async def test_reads_that_arrive_together_share_one_round_trip(
    engine: AsyncEngine, reads: DirectReads, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, gets of one statement made in the same turn of the loop are one
    query; each caller still gets its own row, and None for a key missing or out of scope.
    SQLite looks each up on the loop itself, as before."""
    mine = [await store(engine, note=str(n)) for n in range(4)]
    theirs = await store(engine, code="110101001001")
    keys: list[Any] = [r.id for r in mine] + [mine[0].id, theirs.id, uuid.uuid4()]
    if backend == "postgresql":  # a key as text: found too, by a read of its own
        keys.append(str(mine[2].id))
    async with read_sessions(engine, reads)() as s:
        assert (await Records(s, SHANGHAI).get(mine[0].id)) is not None  # learns the columns
        trips = count_round_trips(reads, monkeypatch) if backend == "postgresql" else []
        got = await asyncio.gather(*(Records(s, SHANGHAI).get(k) for k in keys))
        alone = await Records(s, SHANGHAI).get(mine[1].id)
    notes = [g.note if g else None for g in got]
    assert notes == ["0", "1", "2", "3", "0", None, None, "2"][: len(keys)]
    assert got[0] is not got[4], "each caller gets an instance of its own"
    assert alone is not None
    assert alone.id == mine[1].id
    if backend == "postgresql":
        # One round trip for the seven gets by UUID (six distinct keys), one for the text key.
        assert sorted(trips) == [1, 1, 6]


async def test_reads_beyond_the_round_trips_under_way_wait_and_go_together(
    engine: AsyncEngine, reads: DirectReads, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the batch grows with the load: while ROUND_TRIPS_IN_FLIGHT round trips
    of a statement are under way, later reads are held, then go as one when one is back;
    a failed round trip frees its place as an answered one does."""
    if backend != "postgresql":
        pytest.skip("SQLite reads are not shared")
    stored = [await store(engine, note=str(n)) for n in range(7)]
    trips: list[int] = []
    gate = asyncio.Event()
    run = reads._run  # type: ignore[attr-defined]

    async def slow(prepared: Any, sql: str, args: list[Any], many: bool) -> Any:
        trips.append(len(args[prepared.key_slot]) if many else 1)
        first = len(trips) == 1
        await gate.wait()
        if first:
            raise OperationalError("SELECT", {}, ConnectionError("gone"))
        return await run(prepared, sql, args, many)

    async def until(done: Any) -> None:
        for _ in range(100):
            if done():
                return
            await asyncio.sleep(0)
        raise AssertionError("never happened")

    async with read_sessions(engine, reads)() as s:
        await Records(s, PLATFORM).get(stored[0].id)  # learns the columns
        monkeypatch.setattr(reads, "_run", slow)
        get = [asyncio.create_task(Records(s, PLATFORM).get(r.id)) for r in stored[:1]]
        await until(lambda: len(trips) == 1)
        get += [asyncio.create_task(Records(s, PLATFORM).get(r.id)) for r in stored[1:2]]
        await until(lambda: len(trips) == ROUND_TRIPS_IN_FLIGHT)
        get += [asyncio.create_task(Records(s, PLATFORM).get(r.id)) for r in stored[2:]]
        for _ in range(20):
            await asyncio.sleep(0)
        assert trips == [1, 1], "the five later reads are held"
        gate.set()
        got = await asyncio.gather(*get, return_exceptions=True)
    assert trips == [1, 1, 5]
    assert isinstance(got[0], OperationalError)  # the failed round trip's caller: a 503
    assert [g.note for g in got[1:]] == ["1", "2", "3", "4", "5", "6"]  # type: ignore[union-attr]


async def test_a_failed_shared_read_fails_each_caller(
    engine: AsyncEngine, reads: DirectReads, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite reads are not shared")
    stored = await store(engine)
    async with read_sessions(engine, reads)() as s:
        await Records(s, PLATFORM).get(stored.id)
        await reads.close()  # the pool is gone: the next round trip fails
        got = await asyncio.gather(
            *(Records(s, PLATFORM).get(stored.id) for _ in range(3)), return_exceptions=True
        )
    assert [type(g) for g in got] == [OperationalError] * 3  # each answered 503


async def test_a_caller_gone_does_not_hold_up_the_others(
    engine: AsyncEngine, reads: DirectReads, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite reads are not shared")
    stored = [await store(engine) for _ in range(3)]
    async with read_sessions(engine, reads)() as s:
        await Records(s, PLATFORM).get(stored[0].id)
        tasks = [asyncio.create_task(Records(s, PLATFORM).get(r.id)) for r in stored]
        await asyncio.sleep(0)  # all three are waiting for the shared round trip
        tasks[1].cancel()
        first, second, third = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(second, asyncio.CancelledError)
    assert first.id == stored[0].id  # type: ignore[union-attr]
    assert third.id == stored[2].id  # type: ignore[union-attr]


def test_an_in_memory_database_has_no_direct_reads() -> None:
    assert direct_reads(make_engine("sqlite+aiosqlite:///:memory:")) is None
