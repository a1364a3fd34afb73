"""The guard a use case runs an ID-number check under.

    checks = IdChecks(session, principal, limit)
    async with checks.transaction("lookup", digest):   # 429 when the account is over
        ... the check ...
        await checks.count("found", worker_id=...)     # spends one check, audits it

The guard opens the use case's transaction and first locks the account's window, so
concurrent checks of one account, on any replica, are admitted one after another; a
refusal is audited in a transaction of its own (the refused one rolled back). A check
whose answer is an error (not found, duplicate) is counted and committed first, and the
use case raises the error after the block.

Registration reads the window without locking it (`lock=False`): most registrations find
no duplicate and spend nothing, and a bulk load by one account must not queue on one row.
Concurrent duplicates may then pass the limit by at most the number in flight.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_registry.identity_checks import rules
from cwp_registry.identity_checks.exceptions import TooManyIdChecks
from cwp_registry.identity_checks.repository import IdCheckRepository


class IdChecks:
    def __init__(self, session: AsyncSession, principal: Principal, limit: rules.Limit) -> None:
        self.session = session
        self.limit = limit
        self.repo = IdCheckRepository(session, principal)
        self.action = ""
        self.digest: str | None = None
        self._window = 0

    @asynccontextmanager
    async def transaction(
        self, action: str, digest: str | None = None, *, guarded: bool = True, lock: bool = True
    ) -> AsyncIterator[None]:
        """The use case's transaction; with `guarded=False` a plain one (the caller is
        not making a check this time, say a pii holder who may see the birth date)."""
        self.action, self.digest = action, digest
        if not guarded:
            async with self.session.begin():
                yield
            return
        try:
            async with self.session.begin():
                await self._admit(lock)
                yield
        except TooManyIdChecks:
            async with self.session.begin():
                await self.repo.audit(action, "rate-limited", digest=digest)
            raise

    async def _admit(self, lock: bool) -> None:
        now = time.time()
        start = rules.window_start(now, self.limit)
        previous = start - self.limit.seconds
        if lock:
            await self.repo.add_to_window(start, 0)  # creates and locks the row
            await self.repo.forget_before(previous)
        before, current = await self.repo.counts(previous, start)
        elapsed = now - start
        if not rules.admits(self.limit, before, current, elapsed):
            raise TooManyIdChecks(rules.retry_after(self.limit, before, current, elapsed))
        self._window = start

    async def count(self, outcome: str, *, worker_id: uuid.UUID | None = None) -> None:
        """Spend one check of the account and audit it."""
        await self.repo.add_to_window(self._window, 1)
        await self.note(outcome, worker_id=worker_id)

    async def note(self, outcome: str, *, worker_id: uuid.UUID | None = None) -> None:
        """Audit without spending (a registration that created a worker)."""
        await self.repo.audit(self.action, outcome, worker_id=worker_id, digest=self.digest)
