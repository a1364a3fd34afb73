"""An audited request's row (who, when, what, from where) is committed while the service
works on the request, and its answer may not go out before the commit: a crash can no
longer lose the record of a write whose success the caller has seen, and the commit is
hidden behind the service's own time instead of added to it. The answer's status comes
after, as the request's outcome (its own append-only table), written in larger batches
that nobody waits for.

Until 0007 the one row, status included, was committed after the service answered and
before the caller had the answer: one more durable commit on every write's path. With
real writes on PostgreSQL it added 2.5-6.6 ms to a write's p50 at 120 writes/s, and in
one session's paired rounds the writes per second fell to a median 0.86 of the
unaudited rate, where answering without waiting for the commit at all gave 0.99
(bench/gateway.py): the wait was the cost, not the insert.

Both tables are written the same way (`_Batches`): one task writes whatever rows are
waiting in one INSERT and one transaction, and while it commits the next rows gather.
A batch waits a little after its first row (`gather_seconds` for requests, well within
a service's time; `OUTCOME_SECONDS` for outcomes) so that rows share commits; a request
batch goes at once when an answer comes that waits for one of its rows. The batch
goes straight to the driver (`cwp_common.db.driver_insert`): on PostgreSQL asyncpg runs
the rows as one atomic pipeline, one round trip; on SQLite the transaction runs on the
loop's thread when the file is free and waits for the lock on a worker thread when not.

If the database does not answer within `wait_limit`, the answer goes out anyway (the
service has done the write; withholding the answer undoes nothing) and the row stays
queued, written as soon as the database is back. Stopping the gateway finishes the
batches in flight, then flushes what is queued. An entry without an outcome is a request
whose answer the gateway could not record (it stopped first): on record all the same."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.db import DriverInsert, driver_insert, new_id, utcnow
from cwp_common.redact import describe
from cwp_gateway.audit.models import RequestAudit, RequestAuditOutcome
from cwp_gateway.db import Base

log = logging.getLogger("cwp.gateway.audit")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers that carry full resident ID numbers to a caller holding `pii`.
FULL_ID_PATHS = ("/api/v1/registry/workers",)


def is_full_id_read(method: str, path: str, principal: Principal | None) -> bool:
    return (
        principal is not None
        and principal.sees_pii
        and path.startswith(FULL_ID_PATHS)
        and (method == "GET" or path.endswith("/lookup"))
    )


# How long a batch of request rows waits after its first row for others to share its
# commit. The wait is hidden while it ends before the service answers (a PATCH under
# load takes 5 ms and more; a GET of one worker 1-3 ms).
GATHER_SECONDS = 0.002
# Outcomes are waited for by nobody: a batch gathers for this long.
OUTCOME_SECONDS = 0.2

# A queued row, with the future its request waits on (None: nobody waits).
Item = tuple[dict[str, Any], "asyncio.Future[None] | None"]


@dataclass
class _Batches:
    """One table's rows, written in batches by a task that lives while rows are queued:
    it waits until `gather` seconds after the oldest row (or until `hurry`), writes up to
    `batch_size` rows in one transaction and sets the futures of those who wait. A failed
    batch goes back first in line and is tried again a second later (the database is
    away)."""

    model: type[Base]
    gather: float
    batch_size: int
    sessions: async_sessionmaker[AsyncSession] | None = None
    queue: deque[Item] = field(default_factory=deque)
    running: bool = False  # started, not stopping
    _writer: asyncio.Task[None] | None = None  # alive while rows are queued
    _writing: bool = False  # inside a batch, which stop() lets finish
    _driver: DriverInsert | None = None
    _oldest: float = 0.0  # loop time the oldest queued row came
    _gathering: asyncio.Future[None] | None = None  # done when the gather ends

    @property
    def table(self) -> Table:
        return cast(Table, self.model.__table__)

    def put(self, row: dict[str, Any], done: asyncio.Future[None] | None = None) -> None:
        if not self.queue:
            self._oldest = asyncio.get_running_loop().time()
        self.queue.append((row, done))
        self._wake()

    def hurry(self) -> None:
        """Someone waits for a queued row: a batch gathering goes now."""
        gathering = self._gathering
        if gathering is not None and not gathering.done():
            gathering.set_result(None)

    def _wake(self) -> None:
        if self.running and self._writer is None and self.queue:
            # Its first step comes after this loop turn: rows queued meanwhile join.
            self._writer = asyncio.get_running_loop().create_task(
                self._drain(), name=f"audit-{self.table.name}"
            )

    def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        if isinstance(bind, AsyncEngine):  # an in-memory SQLite database keeps the session
            self._driver = driver_insert(bind, self.table)
        self.running = True
        self._wake()

    async def stop(self) -> None:
        self.running = False
        writer = self._writer
        if writer is not None:
            # A batch in flight is finished, not cut: cut, its rows would be neither
            # written nor queued again (one that fails is queued again by _write). A
            # writer gathering or resting after a failure has taken no rows.
            if not self._writing:
                writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
        try:
            while self.queue:
                if not await self.flush():
                    break
        finally:
            if self._driver is not None:
                await self._driver.close()

    def _take(self) -> list[Item]:
        items = [self.queue.popleft() for _ in range(min(len(self.queue), self.batch_size))]
        self._oldest = 0.0  # rows left over have waited already
        return items

    async def flush(self) -> int:
        """Write what is queued now (one batch); the number of rows written."""
        return await self._write(self._take())

    async def _write(self, items: list[Item]) -> int:
        if not items or self.sessions is None:
            return 0
        rows = [row for row, _ in items]
        try:
            if self._driver is not None:
                await self._driver.insert(rows)
            else:
                async with self.sessions() as session, session.begin():
                    await session.execute(insert(self.table), rows)
        except Exception as exc:  # keep them, first in line, for the next try
            log.error(
                "audit: %d rows of %s not written yet: %s",
                len(items),
                self.table.name,
                describe(exc),
            )
            self.queue.extendleft(reversed(items))
            raise
        for _, done in items:
            if done is not None and not done.done():
                done.set_result(None)
        return len(items)

    async def _gather(self, seconds: float) -> None:
        """For `seconds`, or until someone waits (`hurry`)."""
        loop = asyncio.get_running_loop()
        gathering = self._gathering = loop.create_future()
        timer = loop.call_later(seconds, self.hurry)
        try:
            await gathering
        finally:
            timer.cancel()
            self._gathering = None

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.queue and self.running:
                wait = self._oldest + self.gather - loop.time()
                if wait > 0:
                    await self._gather(wait)
                self._writing = True
                try:
                    await self._write(self._take())
                except Exception:  # the database is away; the rows wait in the queue
                    self._writing = False
                    await asyncio.sleep(1)
                self._writing = False
        finally:
            self._writer = None


@dataclass
class AuditRecorder:
    batch_size: int = 500
    wait_limit: float = 2.0  # longest an answer waits for its request's row
    gather_seconds: float = GATHER_SECONDS

    def __post_init__(self) -> None:
        self.requests = _Batches(RequestAudit, self.gather_seconds, self.batch_size)
        self.outcomes = _Batches(RequestAuditOutcome, OUTCOME_SECONDS, self.batch_size)

    def row(
        self,
        principal: Principal | None,
        method: str,
        path: str,
        address: str,
        request_id: str,
    ) -> dict[str, Any] | None:
        """The audit row of a write or a read of full ID numbers; None for other requests."""
        full_id = is_full_id_read(method, path, principal)
        if method not in WRITES and not full_id:
            return None
        return {
            "id": new_id(),
            "at": utcnow(),
            "actor": principal.subject[:64] if principal else "anonymous",
            "actor_kind": principal.kind[:10] if principal else "anonymous",
            "actor_region": principal.region if principal else "",
            "method": method[:10],
            "path": path[:500],
            "address": address[:64],
            "request_id": request_id[:128],
            "full_id_read": full_id,
        }

    def audited(self, method: str, path: str, principal: Principal | None) -> bool:
        return method in WRITES or is_full_id_read(method, path, principal)

    def begin(self, row: dict[str, Any]) -> asyncio.Future[None] | None:
        """Queue a request's row as it goes to its service; the future is done once the
        row is committed (None when stopping: the final flush writes it)."""
        if not self.requests.running:
            self.requests.put(row)
            return None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.requests.put(row, done)
        return done

    async def on_record(self, done: asyncio.Future[None] | None) -> bool:
        """Wait until the request's row is committed (True), or `wait_limit` (False: it
        stays queued and is written later)."""
        if done is None:
            return False
        if not done.done():  # the answer is here: its row's batch need gather no longer
            self.requests.hurry()
        try:
            # On time out `done` is cancelled, not the row: a batch skips a future that
            # is done, and writes its row all the same.
            async with asyncio.timeout(self.wait_limit):
                await done
        except TimeoutError:
            log.warning("request audit: answering before the request's row is written")
            return False
        return True

    async def write(self, row: dict[str, Any]) -> bool:
        """`begin` and `on_record` at once: a request's row, committed."""
        return await self.on_record(self.begin(row))

    def answered(self, audit_id: Any, status: int) -> None:
        """Queue the outcome of the request whose row has `audit_id`."""
        self.outcomes.put({"audit_id": audit_id, "status": status, "at": utcnow()})

    def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.requests.start(sessions)
        self.outcomes.start(sessions)

    async def stop(self) -> None:
        await self.requests.stop()
        await self.outcomes.stop()

    async def flush(self) -> int:
        """Write what is queued now (a batch of each table); the number of rows written."""
        return await self.requests.flush() + await self.outcomes.flush()
