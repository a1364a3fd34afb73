"""Account queries. Reads on behalf of a caller go through `visible`, so an account
outside the caller's region is never found, whichever endpoint asks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_gateway.accounts.models import Account, Kind


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
