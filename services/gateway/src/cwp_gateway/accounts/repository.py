"""Account queries. Reads on behalf of a caller go through `visible`, so an account
outside the caller's region is never found, whichever endpoint asks. The failed sign-in
counters are unscoped: they belong to the token endpoint only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import UTCDateTime
from cwp_gateway.accounts.models import Account, Kind, LoginFailure
from cwp_gateway.accounts.rules import Lockout


def visible(stmt: Select[Any], principal: Principal) -> Select[Any]:
    # Account regions are prefixes of varying length, so a plain prefix match; the table
    # is small and this stays off every hot path.
    if not principal.region:
        return stmt
    return stmt.where(Account.region.startswith(principal.region, autoescape=True))


async def find_login(session: AsyncSession, kind: Kind, login: str) -> Account | None:
    """Unscoped: only for signing in and the bootstrap."""
    stmt = select(Account).where(Account.kind == kind, Account.login == login)
    return await session.scalar(stmt)


async def get_visible(
    session: AsyncSession, principal: Principal, kind: Kind, login: str
) -> Account | None:
    stmt = select(Account).where(Account.kind == kind, Account.login == login)
    return await session.scalar(visible(stmt, principal))


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    kind: Kind,
    after: uuid.UUID | None,
    limit: int,
) -> list[Account]:
    stmt = select(Account).where(Account.kind == kind).order_by(Account.id).limit(limit)
    if after is not None:
        stmt = stmt.where(Account.id > after)
    return list((await session.scalars(visible(stmt, principal))).all())


async def find_failures(session: AsyncSession, kind: Kind, key: str) -> LoginFailure | None:
    return await session.get(LoginFailure, (kind.value, key))


async def record_failure(
    session: AsyncSession, kind: Kind, key: str, lockout: Lockout, now: datetime
) -> None:
    """Count one failed attempt in a single atomic upsert, so concurrent failures on any
    replica all count; the attempt that reaches `max_failures` sets the lock. A streak
    whose last failure is older than the period, or whose lock has ended, starts over."""
    until = literal(now + lockout.period, UTCDateTime())
    row = LoginFailure.__table__.c
    # A NULL locked_until compares as unknown, so then only the age of the streak decides.
    stale = or_(row.last_failure_at <= now - lockout.period, row.locked_until <= now)
    failures = case((stale, 1), else_=row.failures + 1)
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
    stmt = insert(LoginFailure).values(
        kind=kind.value,
        login_key=key,
        failures=1,
        last_failure_at=now,
        locked_until=now + lockout.period if lockout.max_failures <= 1 else None,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[row.kind, row.login_key],
        set_={
            "failures": failures,
            "last_failure_at": now,
            "locked_until": case(
                (row.locked_until > now, row.locked_until),  # a lock that still runs stays
                (failures >= lockout.max_failures, until),
                else_=None,
            ),
        },
    )
    await session.execute(stmt)


async def clear_failures(session: AsyncSession, kind: Kind, key: str) -> None:
    await session.execute(
        delete(LoginFailure).where(LoginFailure.kind == kind.value, LoginFailure.login_key == key)
    )


async def prune_failures(session: AsyncSession, lockout: Lockout, now: datetime) -> None:
    """Delete the rows that no longer matter. A lock ends one period after the failure
    that set it, so a row whose last failure is a period old holds no lock either."""
    await session.execute(
        delete(LoginFailure).where(LoginFailure.last_failure_at <= now - lockout.period)
    )
