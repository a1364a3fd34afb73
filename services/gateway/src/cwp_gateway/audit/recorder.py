"""Audit rows are committed before the caller gets its answer: the proxy holds the
answer's first bytes until the row is in the database, so a crash can no longer lose the
record of a write whose success the caller has seen. The cost stays small by group
commit: one task writes whatever rows are waiting in one INSERT and one transaction, and
while it commits, the next requests' rows gather for the next batch. With light traffic
a row waits for one commit; with heavy traffic many rows share one. The task lives while
rows are queued and ends when none are, and each wait is a plain future or timer: with
no database at all, the old machinery (a long-lived task, `wait_for` over `shield` per
row, an Event and a task per gather) still cost an audited request 110-150 µs of gateway
CPU, about as much as the INSERT. A batch also waits, when other audited requests are
under way, until their rows have come or `gather_seconds` have passed, so that they
share its commit (PostgreSQL's commit_delay with commit_siblings, here): a commit was
the audit's main cost, and at 800 writes/s batches were of one row. The proxy says when
an audited request goes upstream (`forwarding`) and when its row is about to come
(`arrived`). The batch goes straight to the driver (`cwp_common.db.driver_insert`): on
PostgreSQL asyncpg runs the rows as one atomic pipeline, one round trip instead of three
(BEGIN, INSERT, COMMIT) and a tenth of the CPU of a session; on SQLite the transaction
runs on the loop's thread when the file is free (a third of the CPU of a hop to a
worker thread), and waits for the lock on a worker thread when it is not.

If the database does not answer within `wait_limit`, the answer goes out anyway (the
upstream has already done the write; withholding the answer undoes nothing) and the row
stays queued, written as soon as the database is back. Stopping the gateway finishes the
batch in flight, then flushes what is queued. The window left is a crash between the
upstream's commit and the audit's commit, before the answer: the caller then sees a
failed request, never a success without a record."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.db import DriverInsert, driver_insert, new_id, utcnow
from cwp_common.redact import describe
from cwp_gateway.audit.models import RequestAudit

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


# How long a batch waits for the rows of audited requests under way. At ~500 writes/s
# through one gateway rows come about 2 ms apart: with 1 ms a batch mostly went alone and
# an audited PATCH cost the gateway 150-250 µs of CPU more than an unaudited one; with
# 3 ms it waits for the next row, and the extra was 60-120 µs (bench/gateway.py). The
# price is latency: at 250 PATCHes/s the audit added 0.6-0.9 ms to the p50 and ~4.7 ms
# to the p99 with 3 ms, 0.4 and ~1.9 with 1 ms, 0.4 and ~0.2 with none (single runs).
GATHER_SECONDS = 0.003

# A queued row, with the future its request waits on (None: nobody waits).
Item = tuple[dict[str, Any], "asyncio.Future[None] | None"]


@dataclass
class AuditRecorder:
    sessions: async_sessionmaker[AsyncSession] | None = None
    batch_size: int = 500
    wait_limit: float = 2.0  # longest an answer waits for its row's commit
    gather_seconds: float = GATHER_SECONDS

    def __post_init__(self) -> None:
        self.queue: deque[Item] = deque()
        self._running = False  # started, not stopping: write() waits for the commit
        self._writer: asyncio.Task[None] | None = None  # alive while rows are queued
        self._writing = False  # the writer is inside a batch, which stop() lets finish
        self._driver: DriverInsert | None = None
        self.under_way = 0  # audited requests forwarded whose rows have not come yet
        self._all_in: asyncio.Future[None] | None = None  # set when they have, while gathering

    def row(
        self,
        principal: Principal | None,
        method: str,
        path: str,
        status: int,
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
            "status": status,
            "address": address[:64],
            "request_id": request_id[:128],
            "full_id_read": full_id,
        }

    def audited(self, method: str, path: str, principal: Principal | None) -> bool:
        return method in WRITES or is_full_id_read(method, path, principal)

    def forwarding(self) -> None:
        """An audited request goes upstream: its row will come (`write` or `record`)."""
        self.under_way += 1

    def arrived(self) -> None:
        """A forwarded request's row comes next."""
        self.under_way -= 1
        all_in = self._all_in
        if not self.under_way and all_in is not None and not all_in.done():
            all_in.set_result(None)

    async def write(self, row: dict[str, Any]) -> bool:
        """Queue the row and wait until it is committed (True), or `wait_limit` (False:
        it stays queued and is written later)."""
        if not self._running:  # not started (or stopping): written by the final flush
            self.record(row)
            return False
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue((row, done))
        try:
            # On time out `done` is cancelled, not the row: a batch skips a future that
            # is done, and writes its row all the same.
            async with asyncio.timeout(self.wait_limit):
                await done
        except TimeoutError:
            log.warning("request audit: answering before the row %s is written", row["id"])
            return False
        return True

    def record(self, row: dict[str, Any]) -> None:
        """Queue the row without waiting (a request that ended without an answer)."""
        self._queue((row, None))

    def _queue(self, item: Item) -> None:
        self.queue.append(item)
        self._wake()

    def _wake(self) -> None:
        if self._running and self._writer is None and self.queue:
            # Its first step comes after this loop turn: rows queued meanwhile join.
            self._writer = asyncio.get_running_loop().create_task(
                self._drain(), name="request-audit"
            )

    def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        if isinstance(bind, AsyncEngine):  # an in-memory SQLite database keeps the session
            self._driver = driver_insert(bind, cast(Table, RequestAudit.__table__))
        self._running = True
        self._wake()

    async def stop(self) -> None:
        self._running = False
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
        return [self.queue.popleft() for _ in range(min(len(self.queue), self.batch_size))]

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
                    await session.execute(insert(RequestAudit), rows)
        except Exception as exc:  # keep them, first in line, for the next try
            log.error("request audit: %d rows not written yet: %s", len(items), describe(exc))
            self.queue.extendleft(reversed(items))
            raise
        for _, done in items:
            if done is not None and not done.done():
                done.set_result(None)
        return len(items)

    async def _gather(self) -> None:
        """Until the rows of the requests under way have come, or `gather_seconds`."""
        loop = asyncio.get_running_loop()
        all_in = self._all_in = loop.create_future()
        timer = loop.call_later(self.gather_seconds, all_in.set_result, None)
        try:
            await all_in
        finally:
            timer.cancel()
            self._all_in = None

    async def _drain(self) -> None:
        """Write batches while rows are queued; a failed one waits a second (the database
        is away) and is tried again."""
        try:
            while self.queue and self._running:
                if self.under_way and self.gather_seconds:
                    await self._gather()
                self._writing = True
                try:
                    await self._write(self._take())
                except Exception:  # the database is away; the rows wait in the queue
                    self._writing = False
                    await asyncio.sleep(1)
                self._writing = False
        finally:
            self._writer = None
