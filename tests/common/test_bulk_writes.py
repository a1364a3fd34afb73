"""The shared pieces of bulk writers: the adding upsert of counts, ids drawn together,
the collector's pause that overlapping batches share, and the insert on the driver."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import PrimaryKeyConstraint, String, Table, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cwp_common.bulk import gc_paused
from cwp_common.db import (
    COUNT_BATCH,
    SqliteInsert,
    UTCDateTime,
    add_counts,
    driver_insert,
    make_engine,
    new_ids,
)
from tests.support.databases import engine_with


class Base(DeclarativeBase):
    pass


class Tally(Base):
    __tablename__ = "tallies"
    __table_args__ = (PrimaryKeyConstraint("region", "dim"),)

    region: Mapped[str] = mapped_column(String(12))
    dim: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int]


class Entry(Base):
    __tablename__ = "entries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(20))


@pytest.fixture
async def engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with engine_with(Base.metadata, backend, "bulkwrites", tmp_path) as engine:
        yield engine


async def tallies(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
    async with sessions() as session:
        rows = await session.execute(select(Tally.region, Tally.dim, Tally.delta))
        return {(region, dim): delta for region, dim, delta in rows}


async def test_counts_are_added_and_rows_of_one_key_summed(engine: AsyncEngine) -> None:
    """Rows of a key already stored add to it, new keys are inserted, and two rows of the
    same key in one call both count (one statement may not update a row twice)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def add(rows: list[tuple[str, str, int]]) -> None:
        async with sessions() as session, session.begin():
            await add_counts(
                session, Tally, ("region", "dim"), "delta",
                [{"region": r, "dim": d, "delta": n} for r, d, n in rows],
            )  # fmt: skip

    await add([("31", "headcount", 2), ("44", "headcount", 1)])
    await add([("31", "headcount", 3), ("31", "headcount", -1), ("31", "sex", 1)])
    assert await tallies(sessions) == {
        ("31", "headcount"): 4,
        ("44", "headcount"): 1,
        ("31", "sex"): 1,
    }
    # More rows than one batch holds: every batch is written.
    many = [(f"{i:012d}", "headcount", 1) for i in range(COUNT_BATCH + 3)]
    await add(many)
    stored = await tallies(sessions)
    assert len(stored) == 3 + COUNT_BATCH + 3
    assert stored[(f"{COUNT_BATCH + 2:012d}", "headcount")] == 1


def test_ids_drawn_together_are_uuid7_in_time_order() -> None:
    before = time.time_ns() // 1_000_000
    ids = new_ids(500)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 500
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert all(before <= i.int >> 80 <= after for i in ids)
    assert new_ids(0) == []


def test_the_collector_resumes_when_the_last_overlapping_pause_ends() -> None:
    assert gc.isenabled()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second batch is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_switched_off_elsewhere_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_a_driver_insert_writes_what_the_orm_reads_and_a_batch_whole_or_not_at_all(
    engine: AsyncEngine,
) -> None:
    insert = driver_insert(engine, cast(Table, Entry.__table__))
    assert insert is not None
    at = datetime(2024, 2, 29, 8, 30, 15, 123456, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {"id": i, "at": at, "note": n} for i, n in zip(new_ids(2), ("一", None), strict=True)
    ]
    try:
        await insert.insert(rows)
        again: dict[str, Any] = {"id": new_ids(1)[0], "at": at, "note": "again"}
        with pytest.raises(DBAPIError):  # the second row's id is taken: neither is written
            await insert.insert([again, rows[0]])
        await insert.insert([again])  # the connection is still good after a failed batch
    finally:
        await insert.close()
    async with async_sessionmaker(engine)() as s:
        stored = (await s.scalars(select(Entry))).all()
    assert sorted((e.id, e.at, e.note) for e in stored) == sorted(
        (r["id"], r["at"], r["note"]) for r in [*rows, again]
    )


def entries(n: int) -> list[dict[str, Any]]:
    at = datetime(2024, 2, 29, 8, 30, tzinfo=UTC)
    return [{"id": i, "at": at, "note": "x"} for i in new_ids(n)]


async def sqlite_insert(tmp_path: Path) -> tuple[AsyncEngine, SqliteInsert, Path]:
    path = tmp_path / "bulk.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    insert = driver_insert(engine, cast(Table, Entry.__table__))
    assert isinstance(insert, SqliteInsert)
    return engine, insert, path


async def test_a_sqlite_batch_waits_for_a_held_lock_without_stopping_the_event_loop(
    tmp_path: Path,
) -> None:
    """The batch is tried on the loop's thread without waiting; while another connection
    holds the write lock it waits on a worker thread, and the loop keeps serving."""
    engine, insert, path = await sqlite_insert(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await insert.insert(entries(1))  # the lock is free: written on the loop's thread
        holder.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(insert.insert(entries(2)))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        assert ticks >= 10  # the loop ran while the batch waited
        holder.execute("COMMIT")
        await asyncio.wait_for(waiting, 5)
    finally:
        ticker.cancel()
        holder.close()
        await insert.close()
    async with async_sessionmaker(engine)() as s:
        assert len((await s.scalars(select(Entry))).all()) == 3
    await engine.dispose()


async def test_sqlite_batches_checkpoint_the_wal_now_and_then(tmp_path: Path) -> None:
    """The loop's connection never checkpoints; the worker thread does every
    CHECKPOINT_EVERY batches, so the WAL does not grow with every batch written."""
    engine, insert, path = await sqlite_insert(tmp_path)
    wal = path.with_name(path.name + "-wal")
    try:
        insert.CHECKPOINT_EVERY = 10
        for _ in range(300):
            await insert.insert(entries(2))
        checkpointed = wal.stat().st_size
        insert.CHECKPOINT_EVERY = 10_000
        for _ in range(300):
            await insert.insert(entries(2))
        unchecked = wal.stat().st_size
    finally:
        await insert.close()
        await engine.dispose()
    assert checkpointed * 5 < unchecked


def test_an_in_memory_database_has_no_driver_insert() -> None:
    assert (
        driver_insert(make_engine("sqlite+aiosqlite:///:memory:"), cast(Table, Entry.__table__))
        is None
    )
