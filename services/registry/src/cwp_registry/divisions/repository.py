"""Division names, scoped by the code's prefix: a caller reads and names the divisions
inside its region."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, true

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_registry.divisions.models import Division


class DivisionRepository(Repository[Division]):
    model = Division
    key = Division.code  # a text key: lists page by code
    label = "Division"

    def in_scope(self) -> ColumnElement[bool]:
        # Codes of three lengths: the region is a prefix of the code (the 12-digit range
        # of region_clause does not hold shorter codes).
        region = self.principal.region
        return Division.code.startswith(region, autoescape=True) if region else true()

    def scope(self, stmt: AnySelect) -> AnySelect:
        return stmt.where(self.in_scope())

    def under(self, parent: str | None) -> AnySelect:
        stmt = self.scoped()
        if parent:
            stmt = stmt.where(Division.code.startswith(parent, autoescape=True))
        return stmt

    async def named_between(self, low: str, high: str) -> dict[str, str]:
        """Names of the codes of low's length in [low, high] that lie in scope."""
        stmt = select(Division.code, Division.name).where(
            self.in_scope(),
            Division.code.between(low, high),
            func.length(Division.code) == len(low),
        )
        return {code: name for code, name in (await self.session.execute(stmt)).all()}
