"""Community use cases: one transaction each, and a registry.community.upserted.v1 event
staged on the session's outbox with the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_common.events.contracts import CommunityUpserted
from cwp_common.events.outbox import queue_event
from cwp_common.scope import ensure_writable
from cwp_registry.communities.exceptions import CommunityExists
from cwp_registry.communities.models import Community
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import validate_community_code
from cwp_registry.communities.schemas import CommunityCreate, CommunityUpdate


def _upserted(c: Community) -> CommunityUpserted:
    return CommunityUpserted(
        code=c.code,
        name=c.name,
        urban_rural_code=c.urban_rural_code,
        population=c.population,
        households=c.households,
    )


async def create(session: AsyncSession, principal: Principal, body: CommunityCreate) -> Community:
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
            repo.add(community)
            await session.flush()  # a concurrent insert of the same code fails here
            await queue_event(session, _upserted(community), subject=code)
    except IntegrityError:
        raise CommunityExists(code) from None
    return community


async def update(
    session: AsyncSession, principal: Principal, code: str, body: CommunityUpdate
) -> Community:
    async with session.begin():
        community = await CommunityRepository(session, principal).get_or_404(code, for_update=True)
        for name, value in body.model_dump().items():
            setattr(community, name, value)
        community.updated_at = utcnow()
        await queue_event(session, _upserted(community), subject=code)
    return community


async def get(session: AsyncSession, principal: Principal, code: str) -> Community:
    return await CommunityRepository(session, principal).get_or_404(code)


async def list_page(
    session: AsyncSession, principal: Principal, region: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[Community], str | None]:
    repo = CommunityRepository(session, principal)
    return await repo.page(repo.listing(region), cursor, limit)
