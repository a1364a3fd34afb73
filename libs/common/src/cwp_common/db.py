"""Database plumbing: engines for SQLite (embedded) and PostgreSQL (production), sessions,
portable column types, and time-ordered ids."""

from __future__ import annotations

import logging
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Each service owns one MetaData; the naming convention keeps migrations stable."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> uuid.UUID:
    """A UUIDv7: 48-bit millisecond time then randomness, so ids sort by creation time
    and keyset pagination on the primary key follows insertion order."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def ensure_sqlite_folder(url: str) -> None:
    if not is_sqlite(url):
        return
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # A database error's text and log line would otherwise carry the statement's bound
    # values: ID-number hashes, birth dates, phones.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        # aiosqlite logs every call with its arguments (the bound values) at DEBUG.
        driver_log = logging.getLogger("aiosqlite")
        driver_log.setLevel(max(driver_log.getEffectiveLevel(), logging.INFO))
        ensure_sqlite_folder(url)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_session_factory(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` is copied into every session (the service's outbox rides there)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


async def copy_rows(
    session: AsyncSession, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL COPY of many rows into `table`, inside the session's transaction: far
    cheaper per row than an INSERT's parameter processing (bulk writers only)."""
    # The driver opens the session's transaction on its first statement; the raw COPY
    # must run inside it.
    await session.execute(text("SELECT 1"))
    raw = await (await session.connection()).get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg
    await driver.copy_records_to_table(table, records=records, columns=list(columns))


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session
