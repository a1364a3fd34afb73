"""Community use cases: one transaction each, and a registry.community.upserted.v1 event
staged in the outbox with the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_common.events.contracts import CommunityUpserted
from cwp_common.problems import InvalidInput
from cwp_common.scope import ensure_writable
from cwp_common.service import Runtime
from cwp_registry.communities.exceptions import CommunityExists, CommunityNotFound
from cwp_registry.communities.models import Community
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import validate_community_code
from cwp_registry.communities.schemas import CommunityCreate, CommunityUpdate


def upserted(c: Community) -> CommunityUpserted:
    return CommunityUpserted(
        code=c.code,
        name=c.name,
        urban_rural_code=c.urban_rural_code,
        population=c.population,
        households=c.households,
    )


async def create(
    session: AsyncSession, rt: Runtime, principal: Principal, body: CommunityCreate
) -> Community:
    code = validate_community_code(body.code)
    ensure_writable(principal, code)
    repo = CommunityRepository(session, principal)
    try:
        async with session.begin():
            if await repo.get(code) is not None:
                raise CommunityExists(code)
            now = utcnow()
            community = Community(
                code=code, **body.model_dump(exclude={"code"}), created_at=now, updated_at=now
            )
            session.add(community)
            await session.flush()  # a concurrent insert of the same code fails here
            await rt.outbox.add(session, upserted(community), subject=code)
    except IntegrityError:
        raise CommunityExists(code) from None
    if rt.relay is not None:
        rt.relay.notify()
    return community


async def update(
    session: AsyncSession, rt: Runtime, principal: Principal, code: str, body: CommunityUpdate
) -> Community:
    repo = CommunityRepository(session, principal)
    async with session.begin():
        community = await repo.get(code, for_update=True)
        if community is None:
            raise CommunityNotFound(code)
        for name, value in body.model_dump().items():
            setattr(community, name, value)
        community.updated_at = utcnow()
        await rt.outbox.add(session, upserted(community), subject=code)
    if rt.relay is not None:
        rt.relay.notify()
    return community


async def get(session: AsyncSession, principal: Principal, code: str) -> Community:
    community = await CommunityRepository(session, principal).get(code)
    if community is None:
        raise CommunityNotFound(code)
    return community


async def list_page(
    session: AsyncSession, principal: Principal, region: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[Community], str | None]:
    # The cursor is the last code seen: codes are the keyset and not secret.
    if cursor is not None and not (len(cursor) == 12 and cursor.isascii() and cursor.isdigit()):
        raise InvalidInput("cursor", "The cursor is not valid / 游标无效", slug="invalid-cursor")
    rows = await CommunityRepository(session, principal).list(region, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].code if more else None)
