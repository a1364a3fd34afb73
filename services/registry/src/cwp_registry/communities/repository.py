"""Community queries. Every statement starts from `_scoped`, so nothing outside the
caller's region can be read or changed, whichever endpoint asks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.scope import region_clause, within_region
from cwp_registry.communities.models import Community


class CommunityRepository:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _scoped(self) -> Select[Community]:
        return within_region(select(Community), Community.code, self.principal)

    async def get(self, code: str, *, for_update: bool = False) -> Community | None:
        stmt = self._scoped().where(Community.code == code)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self, region: str | None, after: str | None, limit: int) -> Sequence[Community]:
        stmt = self._scoped()
        if region:
            stmt = stmt.where(region_clause(Community.code, region))
        if after:
            stmt = stmt.where(Community.code > after)
        stmt = stmt.order_by(Community.code).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()
