"""Community use cases: one transaction each, and a registry.community.upserted.v1 event
staged on the session's outbox with the change. A withdrawn code (valid_to set) may be
reused by a new community: the old holder moves to community_vintages first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import utcnow
from cwp_common.events.contracts import CommunityUpserted
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_registry.changes.recorder import publish
from cwp_registry.communities import rules
from cwp_registry.communities.exceptions import (
    CommunityExists,
    CommunityHasWorkers,
    CommunityWithdrawn,
)
from cwp_registry.communities.models import Community, CommunityVintage
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.schemas import CommunityCreate, CommunityUpdate, CommunityWithdraw
from cwp_registry.statistics import tracking
from cwp_registry.workers.exceptions import DateInFuture
from cwp_registry.workers.repository import WorkerRepository


def _upserted(c: Community) -> CommunityUpserted:
    return CommunityUpserted(
        code=c.code,
        name=c.name,
        urban_rural_code=c.urban_rural_code,
        population=c.population,
        households=c.households,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
    )


def _vintage(c: Community) -> CommunityVintage:
    assert c.valid_to is not None  # only a withdrawn holder becomes a vintage
    return CommunityVintage(
        code=c.code,
        name=c.name,
        urban_rural_code=c.urban_rural_code,
        population=c.population,
        households=c.households,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        recorded_at=utcnow(),
    )


async def create(session: AsyncSession, principal: Principal, body: CommunityCreate) -> Community:
    code = rules.validate_community_code(body.code)
    ensure_writable(principal, code)
    repo = CommunityRepository(session, principal)
    fields = body.model_dump(exclude={"code"})
    try:
        async with session.begin():
            community = await repo.get(code, for_update=True)
            before = tracking.community(community) if community else None
            now = utcnow()
            if community is None:
                community = Community(code=code, **fields, created_at=now, updated_at=now)
                repo.add(community)
            elif community.valid_to is None:
                raise CommunityExists(code)
            else:  # a withdrawn code, reused by a new community
                rules.check_reuse(community.valid_to, body.valid_from)
                session.add(_vintage(community))
                for name, value in fields.items():
                    setattr(community, name, value)
                community.valid_to = None
                community.created_at = community.updated_at = now
            await session.flush()  # a concurrent insert of the same code fails here
            await publish(session, _upserted(community), code, code)
            await tracking.record(session, before, tracking.community(community), today_in_china())
    except IntegrityError:
        raise CommunityExists(code) from None
    return community


async def update(
    session: AsyncSession, principal: Principal, code: str, body: CommunityUpdate
) -> Community:
    async with session.begin():
        community = await CommunityRepository(session, principal).get_or_404(code, for_update=True)
        before = tracking.community(community)
        for name, value in body.model_dump().items():
            setattr(community, name, value)
        community.updated_at = utcnow()
        await publish(session, _upserted(community), code, code)
        await tracking.record(session, before, tracking.community(community), today_in_china())
    return community


async def withdraw(
    session: AsyncSession, principal: Principal, code: str, body: CommunityWithdraw
) -> Community:
    """The code is withdrawn (撤销) after valid_to; its current workers must have moved
    or left first, so that no current worker serves in a community that is gone."""
    if body.valid_to > today_in_china():
        raise DateInFuture("valid_to")
    async with session.begin():
        community = await CommunityRepository(session, principal).get_or_404(code, for_update=True)
        if community.valid_to is not None:
            raise CommunityWithdrawn("code", code)
        rules.check_validity(community.valid_from, body.valid_to)
        # The community is in the caller's scope, so are its workers: PLATFORM only
        # spares the scope clause.
        if await WorkerRepository(session, PLATFORM).has_current_in(code):
            raise CommunityHasWorkers(code)
        before = tracking.community(community)
        community.valid_to = body.valid_to
        community.updated_at = utcnow()
        await publish(session, _upserted(community), code, code)
        await tracking.record(session, before, None, today_in_china())
    return community


async def get(session: AsyncSession, principal: Principal, code: str) -> Community:
    return await CommunityRepository(session, principal).get_or_404(code)


async def vintages(
    session: AsyncSession, principal: Principal, code: str
) -> list[Community | CommunityVintage]:
    repo = CommunityRepository(session, principal)
    current = await repo.get_or_404(code)
    return [*await repo.vintages(code), current]


async def list_page(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    in_use_on: date | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Community], str | None]:
    repo = CommunityRepository(session, principal)
    return await repo.page(repo.listing(region, in_use_on), cursor, limit)
