"""The counter and the audit rows. Both belong to the caller's account, not to a region:
they are not region-scoped records, and no endpoint reads them back."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_common.web import request_id_var
from cwp_registry.identity_checks.models import IdCheckAudit, IdCheckWindow


def account_of(principal: Principal) -> str:
    # A user and an API client may share a name; they are different accounts.
    return f"{principal.kind}:{principal.subject}"


class IdCheckRepository:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.account = account_of(principal)

    async def add_to_window(self, start: int, checks: int) -> None:
        """Add `checks` (0 or 1) to this account's window, creating it when needed. The
        upsert also locks the row until the transaction ends, so concurrent requests of
        one account, on any replica, count one after another."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(IdCheckWindow).values(account=self.account, window_start=start, checks=checks)
        stmt = stmt.on_conflict_do_update(
            index_elements=["account", "window_start"],
            set_={"checks": IdCheckWindow.checks + stmt.excluded.checks},
        )
        await self.session.execute(stmt)

    async def counts(self, previous: int, current: int) -> tuple[int, int]:
        rows = await self.session.execute(
            select(IdCheckWindow.window_start, IdCheckWindow.checks).where(
                IdCheckWindow.account == self.account,
                IdCheckWindow.window_start.in_((previous, current)),
            )
        )
        found: dict[int, int] = {start: checks for start, checks in rows}
        return found.get(previous, 0), found.get(current, 0)

    async def forget_before(self, start: int) -> None:
        await self.session.execute(
            delete(IdCheckWindow).where(
                IdCheckWindow.account == self.account, IdCheckWindow.window_start < start
            )
        )

    async def audit(
        self,
        action: str,
        outcome: str,
        *,
        worker_id: uuid.UUID | None = None,
        digest: str | None = None,
    ) -> None:
        rid = request_id_var.get()
        self.session.add(
            IdCheckAudit(
                at=utcnow(),
                account=self.account,
                region=self.principal.region,
                action=action,
                outcome=outcome,
                worker_id=worker_id,
                id_number_hash=digest,
                request_id=None if rid == "-" else rid,
            )
        )
