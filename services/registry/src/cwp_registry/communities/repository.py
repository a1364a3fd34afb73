"""Community queries. Every statement starts from the region-scoped select on the code
(cwp_common.repository), so nothing outside the caller's region can be read or changed,
whichever endpoint asks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause, within_region
from cwp_registry.communities.models import Community, CommunityVintage


class CommunityRepository(Repository[Community]):
    model = Community
    key = Community.code  # a text key: lists page by code
    scope_column = Community.code
    label = "Community"

    def listing(self, region: str | None, in_use_on: date | None = None) -> AnySelect:
        stmt = self.scoped()
        if region:
            stmt = stmt.where(region_clause(Community.code, region))
        if in_use_on is not None:
            stmt = stmt.where(
                or_(Community.valid_from.is_(None), Community.valid_from <= in_use_on),
                or_(Community.valid_to.is_(None), Community.valid_to >= in_use_on),
            )
        return stmt

    async def vintages(self, code: str) -> Sequence[CommunityVintage]:
        """Earlier holders of a code in scope, oldest first."""
        stmt = within_region(select(CommunityVintage), CommunityVintage.code, self.principal)
        stmt = stmt.where(CommunityVintage.code == code).order_by(CommunityVintage.valid_to)
        return (await self.session.scalars(stmt)).all()
