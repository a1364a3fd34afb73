"""Account queries. Reads for a caller go through `Repository.scoped()`, so an account
outside the caller's region is never found, whichever endpoint asks. The failed sign-in
counters are unscoped: they belong to the token endpoint only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import AnySelect
from cwp_common.repository import PLATFORM, Repository
from cwp_gateway.accounts.exceptions import AccountNotFound
from cwp_gateway.accounts.models import (
    Account,
    ActivationCode,
    AuditEntry,
    Kind,
    RefreshToken,
    SignInFailure,
)
from cwp_gateway.accounts.rules import Throttle


def _prefix_scope(stmt: AnySelect, column: Any, region: str) -> AnySelect:
    # Account regions are prefixes of varying length ("31", "310101", ""), not 12-digit
    # codes, so the scope is a plain prefix match; the tables are small and off every
    # hot path.
    if not region:
        return stmt
    return stmt.where(column.startswith(region, autoescape=True))


class AccountRepository(Repository[Account]):
    model = Account
    key = Account.id
    label = "Account"

    def scope(self, stmt: AnySelect) -> AnySelect:
        return _prefix_scope(stmt, Account.region, self.principal.region)

    async def by_login(self, kind: Kind, login: str, *, for_update: bool = False) -> Account | None:
        stmt = self.scoped().where(Account.kind == kind, Account.login == login)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def by_login_or_404(self, kind: Kind, login: str, *, for_update: bool = False) -> Account:
        account = await self.by_login(kind, login, for_update=for_update)
        if account is None:
            raise AccountNotFound(kind.value.capitalize(), login)
        return account

    async def list_page(
        self, kind: Kind, cursor: str | None, limit: int
    ) -> tuple[Sequence[Account], str | None]:
        return await self.page(self.scoped().where(Account.kind == kind), cursor, limit)

    async def national_admins(self) -> list[Account]:
        """Enabled users with the admin role and national scope, locked for the rest of the
        transaction on PostgreSQL, so two requests cannot each remove one of the last two.
        The role is checked in Python: roles are a JSON list."""
        stmt = self.scoped().where(
            Account.kind == Kind.USER, Account.region == "", Account.disabled.is_(False)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        rows = (await self.session.scalars(stmt)).all()
        return [a for a in rows if "admin" in a.roles]

    async def by_worker(self, worker_id: Any, *, for_update: bool = False) -> Account | None:
        stmt = self.scoped().where(Account.worker_id == worker_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    @classmethod
    def as_platform(cls, session: AsyncSession) -> AccountRepository:
        """For signing in, the bootstrap and platform-wide rules: national scope."""
        return cls(session, PLATFORM)


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry
    key = AuditEntry.id
    label = "Audit entry"

    def scope(self, stmt: AnySelect) -> AnySelect:
        return _prefix_scope(stmt, AuditEntry.region, self.principal.region)

    async def list_page(
        self, target: str | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[AuditEntry], str | None]:
        stmt = self.scoped()
        if target is not None:
            stmt = stmt.where(AuditEntry.target == target)
        return await self.page(stmt, cursor, limit)


class SignInFailures:
    """The failed sign-in counters of the token endpoint (unscoped, see SignInFailure)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, kind: Kind, key: str, address: str) -> SignInFailure | None:
        return await self.session.get(SignInFailure, (kind.value, key, address))

    async def record(
        self, kind: Kind, key: str, address: str, throttle: Throttle, now: datetime
    ) -> int:
        """Count one failure in a single atomic upsert (concurrent failures on any replica
        all count); returns the streak's length. A streak older than the window starts
        over. The wait is set from the new count by the caller's `block`."""
        row = SignInFailure.__table__.c
        stale = row.last_failure_at <= now - throttle.window
        insert = (
            postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        ).insert
        stmt = (
            insert(SignInFailure)
            .values(
                kind=kind.value,
                login_key=key,
                address=address,
                failures=1,
                last_failure_at=now,
                blocked_until=None,
            )
            .on_conflict_do_update(
                index_elements=[row.kind, row.login_key, row.address],
                set_={
                    "failures": case((stale, 1), else_=row.failures + 1),
                    "last_failure_at": now,
                },
            )
            .returning(row.failures)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def block(self, kind: Kind, key: str, address: str, until: datetime) -> None:
        await self.session.execute(
            update(SignInFailure)
            .where(
                SignInFailure.kind == kind.value,
                SignInFailure.login_key == key,
                SignInFailure.address == address,
            )
            .values(blocked_until=until)
        )

    async def failures_of_name(
        self, kind: Kind, key: str, now: datetime, throttle: Throttle
    ) -> int:
        stmt = select(func.coalesce(func.sum(SignInFailure.failures), 0)).where(
            SignInFailure.kind == kind.value,
            SignInFailure.login_key == key,
            SignInFailure.last_failure_at > now - throttle.window,
        )
        return int(await self.session.scalar(stmt) or 0)

    async def clear(self, kind: Kind, key: str, address: str) -> None:
        await self.session.execute(
            delete(SignInFailure).where(
                SignInFailure.kind == kind.value,
                SignInFailure.login_key == key,
                SignInFailure.address == address,
            )
        )

    async def prune(self, throttle: Throttle, now: datetime) -> None:
        """Delete the streaks older than the window (a wait never outlasts its streak:
        the longest wait is shorter than the window, see config)."""
        await self.session.execute(
            delete(SignInFailure).where(SignInFailure.last_failure_at <= now - throttle.window)
        )


class RefreshTokens:
    """Refresh tokens by their hash (unscoped: the token endpoint's own)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, token_hash: str) -> RefreshToken | None:
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )

    async def spend(self, row: RefreshToken, now: datetime) -> bool:
        """Mark it used; False when another request spent it first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def end_family(self, family: Any, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family == family, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )

    async def prune(self, account_id: Any, now: datetime) -> None:
        await self.session.execute(
            delete(RefreshToken).where(
                RefreshToken.account_id == account_id, RefreshToken.expires_at <= now
            )
        )


class ActivationCodes:
    """A worker account's activation codes (unscoped: the issuing endpoint has checked the
    worker's region, and redeeming is anonymous)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issued_since(self, account_id: Any, since: datetime) -> list[datetime]:
        """When the account's codes issued after `since` were issued, oldest first."""
        stmt = (
            select(ActivationCode.created_at)
            .where(ActivationCode.account_id == account_id, ActivationCode.created_at > since)
            .order_by(ActivationCode.created_at)
        )
        return list((await self.session.scalars(stmt)).all())

    async def void_unspent(self, account_id: Any, now: datetime) -> None:
        await self.session.execute(
            update(ActivationCode)
            .where(ActivationCode.account_id == account_id, ActivationCode.used_at.is_(None))
            .values(used_at=now)
        )

    async def spend(self, account_id: Any, code_hash: str, now: datetime) -> bool:
        """Spend the account's unspent, unexpired code with this hash; False when there is
        none (wrong, used, expired, or another request spent it first)."""
        result = await self.session.execute(
            update(ActivationCode)
            .where(
                ActivationCode.account_id == account_id,
                ActivationCode.code_hash == code_hash,
                ActivationCode.used_at.is_(None),
                ActivationCode.expires_at > now,
            )
            .values(used_at=now)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]
