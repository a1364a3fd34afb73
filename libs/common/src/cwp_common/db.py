"""Database plumbing: engines for SQLite (embedded) and PostgreSQL (production), sessions,
portable column types, and time-ordered ids.

Reads are the common case, so they get their own session factory (`make_read_session_
factory`): its connections run in autocommit, so a read is one statement on the wire
instead of BEGIN, the statement and ROLLBACK. Under PostgreSQL's READ COMMITTED every
statement takes its own snapshot anyway, so a read sees exactly what it saw inside a
transaction. A pooled PostgreSQL connection is pinged only after it sat idle
(`PING_AFTER_IDLE_SECONDS`), not on every checkout: SQLAlchemy's pre-ping cost three
round trips per request (BEGIN, a ping, ROLLBACK).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeAlias, cast

import asyncpg
from sqlalchemy import (
    ColumnElement,
    DateTime,
    MetaData,
    Select,
    Table,
    any_,
    bindparam,
    event,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, QueryableAttribute, Session
from sqlalchemy.types import TypeDecorator

from cwp_common.redact import describe

log = logging.getLogger("cwp.db")

# A connection back in the pool for longer than this is pinged before it is handed out
# again (a database restart or an idle-connection reaper may have closed it meanwhile); one
# used more recently goes straight to work, and a rare dead one fails its request with 503
# (retry) and is replaced.
PING_AFTER_IDLE_SECONDS = 5.0

# A SELECT of any columns. Select is generic over its row's column types, so `Select[Any]`
# means one column, and a scope or a page over a two-column select would not type-check.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

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
    return new_ids(1)[0]


_VERSION_CLEAR = ~((0xF << 76) | (0x3 << 62))
_VERSION_SET = (0x7 << 76) | (0x2 << 62)  # version 7, RFC 4122 variant


def new_ids(n: int) -> list[uuid.UUID]:
    """n UUIDv7s (new_id's layout) with the randomness drawn in one call: for a bulk
    writer, a system call per id costs more than the row it names."""
    head = ((time.time_ns() // 1_000_000) & ((1 << 48) - 1)) << 80
    raw = os.urandom(10 * n)
    return [
        uuid.UUID(
            int=(head | int.from_bytes(raw[i : i + 10], "big")) & _VERSION_CLEAR | _VERSION_SET
        )
        for i in range(0, 10 * n, 10)
    ]


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
        # Fixed, as for PostgreSQL below: each aiosqlite connection is a thread, and an
        # overflow one would be opened and closed per request in a burst.
        if ":memory:" not in url:
            kwargs.setdefault("pool_size", 8)
            kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            sqlite_pragmas(dbapi_conn)

        return engine
    # A fixed pool, no overflow: an overflow connection is closed again as soon as it is
    # returned, so a burst above the pool size meant a new connection (TLS negotiation,
    # authentication) per request; a request beyond the pool waits for one instead.
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    ping_when_idle(engine)
    return engine


def sqlite_pragmas(dbapi_conn: Any) -> None:
    """What every connection to a service's SQLite file sets (the engine's, and those
    opened on the driver itself)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection at checkout only when it has been idle for a while."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "connect")
    def _fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("used_at", 0.0) < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool retries the checkout with a new connection
            raise DisconnectionError("idle connection found closed") from exc

    @event.listens_for(engine.sync_engine, "checkin")
    def _used(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["used_at"] = time.monotonic()


def make_session_factory(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` is copied into every session (the service's outbox rides there)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


class ReadOnlySession(Session):
    """The session a read (GET, HEAD) gets: autocommit, so a write here would not be
    atomic. Writes are refused outright instead (see `_refuse_writes`)."""


class WriteInReadSession(RuntimeError):
    """A GET or HEAD handler tried to write: that is a bug, not a client error."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInReadSession("a read request's session must not write")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInReadSession("a read request's session must not write")


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine reads use: autocommit connections. PostgreSQL shares the pool (the
    switch is a flag on the driver's connection, no round trip); SQLite gets its own small
    pool, since flipping a SQLite connection's mode costs a hop to its thread each way."""
    url = engine.url.render_as_string(hide_password=False)
    if is_sqlite(url):
        # An autocommit connection never holds a transaction, so the pool's ROLLBACK on
        # return (another hop) has nothing to undo.
        return make_engine(url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class ReadSession(AsyncSession):
    """A read request's session, whose ORM half (a ReadOnlySession) is made when a
    statement first needs it: most GETs are answered by direct reads
    (cwp_common.direct_reads) and never do, and making it was a tenth of such a GET's CPU.
    Its `info` is readable before then, and a session never made holds no transaction."""

    def __init__(self, bind: AsyncEngine | None = None, **kw: Any) -> None:
        self._async_bind = bind
        self._async_binds = {}
        self._deferred = kw

    def __getattr__(self, name: str) -> Any:
        # Called only for an attribute not set: the ORM half, the first time it is asked for.
        if name not in ("sync_session", "_proxied") or "_deferred" not in self.__dict__:
            raise AttributeError(name)
        AsyncSession.__init__(self, self._async_bind, **self.__dict__.pop("_deferred"))
        return getattr(self, name)

    @property
    def info(self) -> Mapping[Any, Any]:  # type: ignore[override]
        """Before the ORM half exists, the factory's `info`, which every session shares:
        read-only."""
        deferred = self.__dict__.get("_deferred")
        if deferred is None:
            return self.sync_session.info
        return MappingProxyType(deferred["info"])

    def in_transaction(self) -> bool:
        return "_deferred" not in self.__dict__ and super().in_transaction()

    async def close(self) -> None:
        if "_deferred" not in self.__dict__:  # a session never made has nothing to close
            await super().close()


def make_read_session_factory(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read; `engine` comes from `read_engine`."""
    return async_sessionmaker(
        engine,
        class_=ReadSession,
        expire_on_commit=False,
        autoflush=False,
        info=info or {},
        sync_session_class=ReadOnlySession,
    )


def among(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any], dialect: str
) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL one array parameter (`= ANY`): an IN list
    renders a parameter per value, which costs milliseconds for a few thousand (batch
    lookups by id), and its statement is cached per list length."""
    if dialect == "postgresql":
        return column == any_(literal(list(values), ARRAY(column.expression.type)))
    return column.in_(list(values))


def among_bound(
    column: ColumnElement[Any] | QueryableAttribute[Any], name: str, dialect: str
) -> ColumnElement[bool]:
    """`among`, for a statement built once and run with the list as parameter `name`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.expression.type)))
    return column.in_(bindparam(name, expanding=True))


# A database away or restarting, as the driver says it: answered 503, as on the ORM path.
DRIVER_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # e.g. a statement on a connection the server just ended
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
)
DRIVER_ERRORS = (*DRIVER_UNAVAILABLE, asyncpg.PostgresError)


def driver_error(what: str, exc: BaseException) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it on the ORM path, so callers and the
    problem handlers treat both alike (OperationalError: unavailable, retry)."""
    if isinstance(exc, DRIVER_UNAVAILABLE):
        return OperationalError(what, None, exc)
    return DBAPIError(what, None, exc)


def driver_connect_args(engine: AsyncEngine) -> tuple[list[Any], dict[str, Any]]:
    """What asyncpg.connect (or create_pool) takes for a PostgreSQL engine's database, for
    work done on the driver itself."""
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    # SQLAlchemy's own options, which asyncpg does not take.
    for option in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        cparams.pop(option, None)
    return list(cargs), dict(cparams)


class DriverInsert:
    """One table's INSERT on the database's own driver, for a writer that inserts small
    batches often (the request audit): compiled once, with SQLAlchemy's bind processors,
    each batch one atomic `executemany` on a connection of its own, opened when first
    needed. Through a session a batch cost about 0.6 ms of CPU on PostgreSQL (BEGIN,
    INSERT, COMMIT: three round trips), and on SQLite a hop to aiosqlite's thread for
    each. `driver_insert` picks the driver's kind."""

    def __init__(self, engine: AsyncEngine, table: Table) -> None:
        dialect = engine.dialect
        compiled = insert(table).compile(dialect=dialect)
        self._sql = compiled.string
        self._what = f"INSERT INTO {table.name}"
        names = list(compiled.positiontup or [])
        self._columns = [
            (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]

    async def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        records = [
            tuple(bind(row[name]) if bind else row[name] for name, bind in self._columns)
            for row in rows
        ]
        await self._execute(records)

    async def _execute(self, records: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PostgresInsert(DriverInsert):
    """On asyncpg, whose `executemany` is atomic by itself: one round trip a batch. A
    connection in doubt after a failure is dropped, and the next batch opens another."""

    def __init__(self, engine: AsyncEngine, table: Table) -> None:
        super().__init__(engine, table)
        self._connect = driver_connect_args(engine)
        self._conn: asyncpg.Connection | None = None

    async def _execute(self, records: list[tuple[Any, ...]]) -> None:
        try:
            if self._conn is None or self._conn.is_closed():
                cargs, cparams = self._connect
                self._conn = await asyncpg.connect(*cargs, **cparams)
            await self._conn.executemany(self._sql, records)
        except BaseException as exc:
            self._drop()  # a connection in doubt is not used again
            if isinstance(exc, DRIVER_ERRORS):
                raise driver_error(self._what, exc) from None
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=5)
            except (TimeoutError, *DRIVER_ERRORS):
                conn.terminate()


class SqliteInsert(DriverInsert):
    """On sqlite3. A batch is tried first on the event loop's own thread, without waiting
    for the file's lock: in WAL mode with synchronous=NORMAL a commit appends to the WAL
    without a sync (a 2-row batch: 62-80 µs of CPU, against 209-243 µs with the hop to
    a worker thread and back). Only when another connection holds the lock does the
    batch go to a worker thread, which waits for it (busy_timeout): a wait must not stop
    the event loop. For the same reason the loop's connection never checkpoints (a
    checkpoint syncs the files): the worker thread's connection runs a passive one every
    CHECKPOINT_EVERY batches. A failed batch is rolled back and the connections kept."""

    CHECKPOINT_EVERY = 200

    def __init__(self, engine: AsyncEngine, table: Table, path: str) -> None:
        super().__init__(engine, table)
        self._path = path
        self._loop_conn: sqlite3.Connection | None = None  # busy timeout 0
        self._conn: sqlite3.Connection | None = None  # the worker thread's: waits
        self._since_checkpoint = 0

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        sqlite_pragmas(conn)
        return conn

    @staticmethod
    def _write_on(conn: sqlite3.Connection, sql: str, records: list[tuple[Any, ...]]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, records)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _try_on_loop(self, records: list[tuple[Any, ...]]) -> bool:
        """Write the batch now, unless another connection holds the lock (False)."""
        if self._loop_conn is None:
            conn = self._connect()
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._loop_conn = conn
        try:
            self._write_on(self._loop_conn, self._sql, records)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return False
            raise
        return True

    def _thread_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _write(self, records: list[tuple[Any, ...]]) -> None:
        """On the worker thread: the batch, waiting for the lock."""
        self._write_on(self._thread_conn(), self._sql, records)

    def _checkpoint(self) -> None:
        """On the worker thread: copy the WAL into the file, as far as readers allow."""
        self._thread_conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def _execute(self, records: list[tuple[Any, ...]]) -> None:
        try:
            if not self._try_on_loop(records):
                await asyncio.to_thread(self._write, records)
        except sqlite3.OperationalError as exc:  # locked, or the file went away: retry
            raise OperationalError(self._what, None, exc) from None
        except sqlite3.Error as exc:
            raise DBAPIError(self._what, None, exc) from None
        self._since_checkpoint += 1
        if self._since_checkpoint >= self.CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            try:  # the batch is written: a failed checkpoint must not send it again
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error as exc:
                log.warning("%s: checkpoint failed: %s", self._what, describe(exc))

    async def close(self) -> None:
        for conn in (self._loop_conn, self._conn):
            if conn is not None:
                conn.close()
        self._loop_conn = self._conn = None


def sqlite_file(engine: AsyncEngine) -> str | None:
    """The SQLite file behind `engine`, for a connection of one's own on the driver; None
    for PostgreSQL and for an in-memory database, which a second connection would not see."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and ":memory:" not in database:
        return database
    return None


def driver_insert(engine: AsyncEngine, table: Table) -> DriverInsert | None:
    """The driver insert for a service's engine; None for an in-memory SQLite database."""
    if engine.url.get_backend_name() == "postgresql":
        return PostgresInsert(engine, table)
    path = sqlite_file(engine)
    return None if path is None else SqliteInsert(engine, table, path)


# Up to this many rows go by INSERT: a COPY costs three round trips (the statement that
# opens the transaction, the COPY, its end) whatever it carries, an INSERT one.
FEW_ROWS = 4


async def copy_rows(
    session: AsyncSession, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL COPY of many rows into `table`, inside the session's transaction: far
    cheaper per row than an INSERT's parameter processing (bulk writers only)."""
    raw = await (await session.connection()).get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg
    if not driver.is_in_transaction():
        # The driver opens the session's transaction on its first statement; the raw
        # COPY must run inside it.
        await session.execute(text("SELECT 1"))
    try:
        await driver.copy_records_to_table(table, records=records, columns=list(columns))
    except asyncpg.IntegrityConstraintViolationError as exc:
        # The driver's own error, raised past SQLAlchemy: callers catch one kind for a
        # unique or foreign key violation, whether the rows went by COPY or INSERT.
        raise IntegrityError(f"COPY {table}", None, exc) from exc


COUNT_BATCH = 5000


async def add_counts(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: Sequence[str],
    counter: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """Add each row's `counter` to the stored row of the same `key` columns, inserting
    the rows that are not there yet: one INSERT ... ON CONFLICT DO UPDATE per batch, which
    PostgreSQL and SQLite both understand. Rows go in key order, so concurrent writers
    lock them in the same order and cannot deadlock each other. On PostgreSQL a batch is
    one statement over arrays (a row per parameter set cost a batch of thousands a
    statement execution each); rows of the same key are summed first, since one
    statement may not update a row twice."""
    if not rows:
        return
    dialect = (await session.connection()).dialect.name
    table = cast(Table, model.__table__)
    keys = tuple(key)
    summed: dict[tuple[Any, ...], int] = {}
    for row in rows:
        k = tuple(row[c] for c in keys)
        summed[k] = summed.get(k, 0) + row[counter]
    ordered = sorted(summed.items())
    for start in range(0, len(ordered), COUNT_BATCH):
        batch = ordered[start : start + COUNT_BATCH]
        if dialect == "postgresql":
            columns = list(zip(*(k for k, _ in batch), strict=True))
            arrays = {f"{c}_all": list(v) for c, v in zip(keys, columns, strict=True)}
            arrays[f"{counter}_all"] = [n for _, n in batch]
            await session.execute(_adding_upsert_arrays(table, keys, counter), arrays)
        else:
            params = [{**dict(zip(keys, k, strict=True)), counter: n} for k, n in batch]
            await session.execute(_adding_upsert(table, keys, counter, dialect), params)


@functools.cache
def _adding_upsert(table: Table, key: tuple[str, ...], counter: str, dialect: str) -> Any:
    """add_counts' statement, built once per table (building it costs more than running
    it for a request's few rows)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(key), set_={counter: table.c[counter] + insert.excluded[counter]}
    )


@functools.cache
def _adding_upsert_arrays(table: Table, key: tuple[str, ...], counter: str) -> Any:
    """PostgreSQL's add_counts statement: the rows as one array per column (`<column>_all`),
    unnested side by side in their order."""
    names = (*key, counter)
    arrays = select(
        *(func.unnest(bindparam(f"{c}_all", type_=ARRAY(table.c[c].type))).label(c) for c in names)
    )
    insert = postgresql.insert(table).from_select(list(names), arrays)
    return insert.on_conflict_do_update(
        index_elements=list(key), set_={counter: table.c[counter] + insert.excluded[counter]}
    )


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session
