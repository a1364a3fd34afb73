"""Policy and reference-wage queries. Reference data flows down: a caller sees the
documents of its own region and of every level above it (a district sees its city's,
its province's and the national ones), and writes only inside its region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_payroll.policy.models import PayPolicy, ReferenceWage
from cwp_payroll.policy.rules import WageKey

S = TypeVar("S", bound=AnySelect)


def ancestors(code: str) -> list[str]:
    return [code[:n] for n in range(len(code) + 1)]


def visible(column: Any, region: str) -> ColumnElement[bool]:
    return or_(column.in_(ancestors(region)), region_clause(column, region))


def related(column: Any, code: str) -> ColumnElement[bool]:
    """Documents that can apply to some place under `code`: those of its ancestors
    and of any place under it."""
    return or_(column.in_(ancestors(code)), region_clause(column, code))


class PolicyRepository(Repository[PayPolicy]):
    model = PayPolicy
    key = PayPolicy.id
    label = "Policy"

    def scope(self, stmt: S) -> S:
        return stmt.where(visible(PayPolicy.jurisdiction, self.principal.region))

    async def find(
        self, kind: str | None, jurisdiction: str | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[PayPolicy], str | None]:
        stmt = self.where_given(
            self.scoped(), (PayPolicy.kind, kind), (PayPolicy.jurisdiction, jurisdiction)
        )
        return await self.page(stmt, cursor, limit)

    async def exists(self, jurisdiction: str, kind: str, effective: Any) -> bool:
        """National on purpose: the uniqueness of (jurisdiction, kind, date)."""
        stmt = select(PayPolicy.id).where(
            PayPolicy.jurisdiction == jurisdiction,
            PayPolicy.kind == kind,
            PayPolicy.effective_date == effective,
        )
        return (await self.session.scalar(stmt)) is not None

    async def applicable_here(self, jurisdiction: str, kind: str) -> bool:
        """Whether the jurisdiction has a document of this kind of its own."""
        stmt = select(PayPolicy.id).where(
            PayPolicy.jurisdiction == jurisdiction, PayPolicy.kind == kind
        )
        return (await self.session.scalar(self.scope(stmt))) is not None

    async def applicable(self, code: str, kind: str) -> Sequence[PayPolicy]:
        """Every document of `kind` that may apply somewhere under `code`."""
        stmt = self.scoped().where(PayPolicy.kind == kind, related(PayPolicy.jurisdiction, code))
        return (await self.session.scalars(stmt)).all()


class ReferenceWageRepository(Repository[ReferenceWage]):
    model = ReferenceWage
    key = ReferenceWage.id
    label = "Reference wage"

    def scope(self, stmt: S) -> S:
        return stmt.where(visible(ReferenceWage.division, self.principal.region))

    async def find(
        self, division: str | None, year: int | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[ReferenceWage], str | None]:
        stmt = self.where_given(
            self.scoped(), (ReferenceWage.division, division), (ReferenceWage.year, year)
        )
        return await self.page(stmt, cursor, limit)

    async def exists(self, division: str, year: int, kind: str) -> bool:
        """National on purpose: the uniqueness of (division, year, kind)."""
        stmt = select(ReferenceWage.id).where(
            ReferenceWage.division == division,
            ReferenceWage.year == year,
            ReferenceWage.kind == kind,
        )
        return (await self.session.scalar(stmt)) is not None

    async def table(self) -> dict[WageKey, int]:
        """Every series visible to the caller, as {(division, year, kind): fen}."""
        stmt = select(
            ReferenceWage.division, ReferenceWage.year, ReferenceWage.kind, ReferenceWage.annual
        )
        rows = (await self.session.execute(self.scope(stmt))).all()
        return {(d, y, k): a for d, y, k, a in rows}
