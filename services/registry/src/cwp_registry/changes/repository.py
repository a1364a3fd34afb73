"""Change-feed queries: scoped by the communities a change concerns (either side of a
transfer), in seq (commit) order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_registry.changes.models import Change


class ChangeRepository(Repository[Change]):
    model = Change
    key = Change.seq
    label = "Change"

    def scope(self, stmt: AnySelect) -> AnySelect:
        region = self.principal.region
        return stmt.where(
            or_(
                region_clause(Change.community_code, region),
                region_clause(Change.from_community_code, region),
            )
        )

    async def after(self, seq: int | None, limit: int) -> Sequence[Change]:
        stmt = self.scoped()
        if seq is not None:
            stmt = stmt.where(Change.seq > seq)
        stmt = stmt.order_by(Change.seq).limit(limit)
        return (await self.session.scalars(stmt)).all()
