"""A read request's row by its key, straight on the database driver.

A GET by id through the ORM (session, pooled connection, statement built and looked up
in the compile cache, result rows, identity map) cost about 380 µs of CPU on PostgreSQL,
where the driver's own fetch costs about 40. So a read request's `Repository.get` comes
here: its statement (the caller's scope and `key = ?`) is built and compiled once per
repository and caller scope, then run with the key as its one varying parameter, and the
row becomes a detached instance through SQLAlchemy's own type processors: the object the
ORM would give, without a session.

The cache key is what `Repository.scope()` may depend on: the caller's region, worker,
kind, roles and subject (a webhook subscription is its owner's), not the token's own id
or times. A statement this cannot run (not one plain entity, expanding
parameters) is remembered as such and goes through the ORM.

PostgreSQL: a small asyncpg pool of its own, with SQLAlchemy's JSON codecs. Reads of one
statement that arrive together (in one turn of the event loop: under load, many requests
reach their read at once) share one round trip, `key = ANY($n)`: a round trip costs the
process far more CPU than the rows it brings. A read that arrives alone runs alone, with
`key = $n`, so a quiet service answers as soon as before. At most ROUND_TRIPS_IN_FLIGHT
round trips of one statement are under way at once; reads arriving meanwhile wait for
one to come back and go together. Under load requests do not arrive together by
themselves (behind the gateway, one at a time as it forwards them: 3.4 keys a round
trip, where 32 clients straight to the registry gave 9.6); this way the batch grows
with the load.

SQLite (a file): one connection used on the event loop itself, read-only; a lookup by
key takes microseconds, less than any hop to a driver thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cwp_common.db import DRIVER_ERRORS, driver_connect_args, driver_error, sqlite_file

if TYPE_CHECKING:
    from cwp_common.repository import Repository

DIRECT_READS = "cwp.direct_reads"  # the read sessions' info key
KEY = "cwp_key"
CACHE_SIZE = 4096
POOL_SIZE = 8  # connections of the PostgreSQL pool (direct reads are short)
ROUND_TRIPS_IN_FLIGHT = 2  # per statement: one answering while the next is being filled

Processor = Callable[[Any], Any] | None


@dataclass
class Prepared:
    """One compiled read: its SQL, its parameters with the key's slot, and how a row
    becomes an instance (result processors found on first run, since PostgreSQL's depend
    on the column types the server reports)."""

    sql: str
    params: list[Any]
    key_slot: int
    key_bind: Processor
    attributes: list[str]
    types: list[Any]
    mapper: Any
    key_column: int  # the key's place in a row
    many_sql: str | None = None  # PostgreSQL: the same with `key = ANY(...)`
    key_type: type | None = None  # a key of this type may share a round trip
    results: list[Processor] | None = None
    # Reads to send together (PostgreSQL), the round trips of this statement under way,
    # and whether the waiting reads are held until one comes back.
    waiting: list[tuple[Any, asyncio.Future[Any]]] | None = field(default=None, compare=False)
    in_flight: int = field(default=0, compare=False)
    held: bool = field(default=False, compare=False)

    def arguments(self, key: Any) -> list[Any]:
        args = list(self.params)
        args[self.key_slot] = self.key_bind(key) if self.key_bind else key
        return args

    def learn_columns(self, dialect: Dialect, coltypes: Sequence[Any]) -> None:
        """The result processors, from the column types the driver reports on the first
        run (PostgreSQL's processors depend on them; SQLite reports none)."""
        self.results = [
            t.result_processor(dialect, code) for t, code in zip(self.types, coltypes, strict=True)
        ]

    def shares(self, key: Any) -> bool:
        """Whether a read of `key` may share a round trip: not the first read (it learns
        the columns), and not a key of another type (a UUID given as text), which could
        not be told apart in the rows."""
        return (
            self.results is not None
            and self.many_sql is not None
            and self.key_type is not None
            and isinstance(key, self.key_type)
        )

    def row_key(self, row: Sequence[Any]) -> Any:
        """A row's key as the caller names it (the key attribute's value)."""
        assert self.results is not None
        process, value = self.results[self.key_column], row[self.key_column]
        return process(value) if process is not None and value is not None else value

    def instance(self, row: Sequence[Any]) -> Any:
        assert self.results is not None
        obj = self.mapper.class_manager.new_instance()
        values = obj.__dict__  # where the ORM's loader puts them too
        for name, process, value in zip(self.attributes, self.results, row, strict=True):
            values[name] = process(value) if process is not None and value is not None else value
        return obj


UNSUPPORTED = object()  # get()'s answer for a statement only the ORM can run


def _python_type(column: Any) -> type | None:
    try:
        found: type = column.type.python_type
    except NotImplementedError:
        return None
    return found


class DirectReads:
    """`get(repository, key)`: the repository's row, None when it is not there or out
    of the caller's scope, or UNSUPPORTED."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[tuple[Any, ...], Prepared | object] = {}

    async def get(self, repo: Repository[Any], key: Any) -> Any:
        prepared = self.prepare(repo)
        if not isinstance(prepared, Prepared):
            return UNSUPPORTED
        return await self.read(prepared, key)

    async def read(self, prepared: Prepared, key: Any) -> Any:
        """The instance of `key`'s row, or None."""
        row = await self.fetch(prepared, prepared.arguments(key))
        return None if row is None else prepared.instance(row)

    def prepare(self, repo: Repository[Any]) -> Prepared | object:
        p = repo.principal
        cache_key = (type(repo), p.region, p.worker_id, p.kind, p.roles, p.subject)
        prepared = self._prepared.get(cache_key)
        if prepared is None:
            prepared = self._compile(repo)
            if len(self._prepared) >= CACHE_SIZE:
                self._prepared.clear()
            self._prepared[cache_key] = prepared
        return prepared

    def _compile(self, repo: Repository[Any]) -> Prepared | object:
        model = type(repo).model
        column = type(repo).key
        stmt = repo.scoped().where(column == bindparam(KEY, type_=column.type, required=False))
        described = stmt.column_descriptions
        if len(described) != 1 or described[0].get("entity") is not model:
            return UNSUPPORTED
        compiled = stmt.compile(dialect=self.dialect)
        names = compiled.positiontup
        if (
            names is None
            or names.count(KEY) != 1
            or compiled.literal_execute_params
            or compiled.post_compile_params
        ):
            return UNSUPPORTED
        mapper = model.__mapper__
        try:
            attributes = [mapper.get_property_by_column(c).key for c in stmt.selected_columns]
        except Exception:  # an expression that is no mapped column
            return UNSUPPORTED
        key_attribute = column.key
        if key_attribute not in attributes:
            return UNSUPPORTED
        values = compiled.construct_params()
        params = []
        for name in names:
            bind = compiled.binds[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            value = values[name]
            params.append(bind(value) if bind and name != KEY else value)
        key_type = compiled.binds[KEY].type.dialect_impl(self.dialect)
        return Prepared(
            sql=compiled.string,
            params=params,
            key_slot=names.index(KEY),
            key_bind=key_type.bind_processor(self.dialect),
            attributes=attributes,
            types=[c.type.dialect_impl(self.dialect) for c in stmt.selected_columns],
            mapper=mapper,
            key_column=attributes.index(key_attribute),
            many_sql=self.many_sql(repo, names),
            key_type=_python_type(column),
        )

    def many_sql(self, repo: Repository[Any], names: Sequence[str]) -> str | None:
        """The statement for several keys at once, with its parameters in the same places
        (None where reads are not shared)."""
        return None

    async def fetch(self, prepared: Prepared, args: list[Any]) -> Sequence[Any] | None:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class PostgresReads(DirectReads):
    def __init__(self, engine: AsyncEngine, size: int = POOL_SIZE) -> None:
        super().__init__(engine.dialect)
        self._connect = driver_connect_args(engine)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._sending: set[asyncio.Task[None]] = set()
        # The loop the reads run on, like the pool's connections: asking asyncio for it on
        # every read costs a getpid() system call (Python 3.11).
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _codecs(self, conn: asyncpg.Connection) -> None:
        """SQLAlchemy's JSON and JSONB codecs, so a JSON column reads as the ORM's does."""
        shim = _Adapted(conn)
        dialect: Any = self.dialect
        await dialect.setup_asyncpg_json_codec(shim)
        await dialect.setup_asyncpg_jsonb_codec(shim)

    async def _pool_ready(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    cargs, cparams = self._connect
                    self._pool = await asyncpg.create_pool(
                        *cargs,
                        min_size=0,
                        max_size=self._size,
                        init=self._codecs,
                        reset=_unchanged,
                        **cparams,
                    )
        return self._pool

    def many_sql(self, repo: Repository[Any], names: Sequence[str]) -> str | None:
        column = type(repo).key
        keys = bindparam(KEY, type_=ARRAY(column.type), required=False)
        compiled = repo.scoped().where(column == any_(keys)).compile(dialect=self.dialect)
        # The same statement but for the key's test, so its parameters line up.
        return compiled.string if compiled.positiontup == list(names) else None

    async def read(self, prepared: Prepared, key: Any) -> Any:
        if not prepared.shares(key):
            return await super().read(prepared, key)
        loop = self._running
        future = loop.create_future()
        if prepared.waiting is None:
            prepared.waiting = []
            if prepared.in_flight < ROUND_TRIPS_IN_FLIGHT:
                prepared.in_flight += 1
                loop.call_soon(self._send, prepared)
            else:  # sent when a round trip under way comes back (`_returned`)
                prepared.held = True
        prepared.waiting.append((key, future))
        return await future

    @property
    def _running(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _send(self, prepared: Prepared) -> None:
        """The reads waiting, sent as one; `in_flight` already counts this round trip."""
        waiting, prepared.waiting = prepared.waiting or [], None
        task = self._running.create_task(self._answer(prepared, waiting))
        self._sending.add(task)
        task.add_done_callback(lambda done: self._returned(prepared, done))

    def _returned(self, prepared: Prepared, task: asyncio.Task[None]) -> None:
        """A round trip is over (answered, failed or cancelled): the held reads go now,
        with whatever else arrives in this turn of the loop."""
        self._sending.discard(task)
        prepared.in_flight -= 1
        if prepared.held:
            prepared.held = False
            prepared.in_flight += 1
            self._running.call_soon(self._send, prepared)

    async def _answer(
        self, prepared: Prepared, waiting: list[tuple[Any, asyncio.Future[Any]]]
    ) -> None:
        try:
            if len(waiting) == 1:
                row = await self.fetch(prepared, prepared.arguments(waiting[0][0]))
                rows = [] if row is None else [row]
            else:
                keys = list(dict.fromkeys(key for key, _ in waiting))
                rows = await self.fetch_many(prepared, keys)
        except BaseException as exc:  # each caller gets the failure (a 503), or is cancelled
            for _, future in waiting:
                if not future.done():
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            if not isinstance(exc, Exception):
                raise
            return
        found = {prepared.row_key(row): row for row in rows}
        for key, future in waiting:
            if not future.done():  # a caller gone meanwhile
                row = found.get(key)
                future.set_result(None if row is None else prepared.instance(row))

    async def fetch(self, prepared: Prepared, args: list[Any]) -> Sequence[Any] | None:
        rows = await self._run(prepared, prepared.sql, args, many=False)
        return rows[0] if rows else None

    async def fetch_many(self, prepared: Prepared, keys: list[Any]) -> list[Any]:
        bind = prepared.key_bind
        args = list(prepared.params)
        args[prepared.key_slot] = [bind(k) for k in keys] if bind else keys
        assert prepared.many_sql is not None
        return await self._run(prepared, prepared.many_sql, args, many=True)

    async def _run(self, prepared: Prepared, sql: str, args: list[Any], many: bool) -> list[Any]:
        try:
            pool = await self._pool_ready()
            # No acquire timeout: asyncpg's costs a task per call; the gateway's route
            # timeouts bound how long a caller waits.
            async with pool.acquire() as conn:
                if prepared.results is None:
                    statement = await conn.prepare(sql)
                    oids = [a.type.oid for a in statement.get_attributes()]
                    prepared.learn_columns(self.dialect, oids)
                    return await statement.fetch(*args)  # type: ignore[no-any-return]
                if many:
                    return await conn.fetch(sql, *args)  # type: ignore[no-any-return]
                row = await conn.fetchrow(sql, *args)
                return [] if row is None else [row]
        except DRIVER_ERRORS as exc:  # unavailable: the problem handlers answer 503
            raise driver_error("direct read", exc) from None

    async def close(self) -> None:
        self._loop = None
        if self._pool is not None:
            await self._pool.close()


async def _unchanged(_conn: asyncpg.Connection) -> None:
    """The pool's reset on release: these connections only run single SELECTs, with no
    session state to undo, so the default reset's extra round trip (RESET ALL, UNLISTEN,
    advisory unlocks) is skipped."""


@dataclass
class _Adapted:
    """What SQLAlchemy's codec setup reads from its adapted connection."""

    _connection: asyncpg.Connection


class SqliteReads(DirectReads):
    def __init__(self, engine: AsyncEngine, path: str) -> None:
        super().__init__(engine.dialect)
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=1000")
            self._conn = conn
        return self._conn

    async def fetch(self, prepared: Prepared, args: list[Any]) -> Sequence[Any] | None:
        if prepared.results is None:
            prepared.learn_columns(self.dialect, [None] * len(prepared.types))
        try:
            # fetchall: a cursor left open would hold its read snapshot.
            rows = self._connection().execute(prepared.sql, args).fetchall()
        except sqlite3.OperationalError as exc:  # locked, or the file went away
            raise OperationalError("direct read", None, exc) from None
        return rows[0] if rows else None

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def direct_reads(engine: AsyncEngine) -> DirectReads | None:
    """The direct reads for a service's engine; None for an in-memory SQLite database."""
    if engine.url.get_backend_name() == "postgresql":
        return PostgresReads(engine)
    path = sqlite_file(engine)
    return None if path is None else SqliteReads(engine, path)


def reads_of(session: AsyncSession) -> DirectReads | None:
    reads: DirectReads | None = session.info.get(DIRECT_READS)
    return reads
