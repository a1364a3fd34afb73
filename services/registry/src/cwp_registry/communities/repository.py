"""Community queries. Every statement starts from the region-scoped select on the code
(cwp_common.repository), so nothing outside the caller's region can be read or changed,
whichever endpoint asks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_registry.communities.models import Community


class CommunityRepository(Repository[Community]):
    model = Community
    key = Community.code  # a text key: lists page by code
    scope_column = Community.code
    label = "Community"

    def listing(self, region: str | None) -> Select[Any]:
        stmt = self.scoped()
        if region:
            stmt = stmt.where(region_clause(Community.code, region))
        return stmt
