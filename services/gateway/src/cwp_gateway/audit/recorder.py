"""Audit rows leave the request path at once: the proxy hands each to a queue, and one
task writes them in batches (one INSERT of many rows), so a write pays a queue append,
not a transaction. Stopping the gateway flushes what is queued."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
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


@dataclass
class AuditRecorder:
    sessions: async_sessionmaker[AsyncSession] | None = None
    batch_size: int = 500
    pause: float = 0.2  # longest a row waits for its batch when traffic is light

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def record(
        self,
        principal: Principal | None,
        method: str,
        path: str,
        status: int,
        address: str,
        request_id: str,
    ) -> None:
        """Queue the row when the request is a write or a read of full ID numbers."""
        full_id = is_full_id_read(method, path, principal)
        if method not in WRITES and not full_id:
            return
        self.queue.put_nowait(
            {
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
        )

    def start(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._task = asyncio.create_task(self._run(), name="request-audit")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> int:
        rows: list[dict[str, Any]] = []
        while not self.queue.empty() and len(rows) < self.batch_size:
            rows.append(self.queue.get_nowait())
        if rows and self.sessions is not None:
            try:
                async with self.sessions() as session, session.begin():
                    await session.execute(insert(RequestAudit), rows)
            except Exception as exc:  # keep them for the next try rather than lose them
                log.error("request audit: %d rows not written yet: %s", len(rows), describe(exc))
                for row in rows:
                    self.queue.put_nowait(row)
                raise
        return len(rows)

    async def _run(self) -> None:
        while True:
            try:
                if await self.flush() < self.batch_size:
                    await asyncio.sleep(self.pause)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(1)  # the database is away; the rows wait in the queue
