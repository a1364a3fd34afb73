"""Ladder queries. A ladder is visible to a principal when it applies inside the
principal's region: a national or provincial ladder above it, or one within it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.ladders.models import LadderVersion
from cwp_career.ladders.rules import Ladder, LadderBook, compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback
from cwp_common.auth import Principal

# Published versions never change, so a compiled ladder is cached by id for good.
_compiled: dict[uuid.UUID, Ladder] = {}


def ladder_scope(region: str) -> ColumnElement[bool]:
    if not region:
        return true()
    above = [region[:n] for n in (0, 2, 4) if n <= len(region)]
    col = LadderVersion.jurisdiction
    return or_(col.in_(above), col.startswith(region, autoescape=True))


def compiled(row: LadderVersion) -> Ladder:
    hit = _compiled.get(row.id)
    if hit is None:
        hit = _compiled[row.id] = compile_ladder(row.id, LadderBody.model_validate(row.body))
    return hit


class LadderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def book(self) -> LadderBook:
        """Every published version (bodies loaded only for ids not yet compiled)."""
        keys = (await self.session.execute(select(LadderVersion.id))).scalars().all()
        missing = [k for k in keys if k not in _compiled]
        if missing:
            rows = await self.session.scalars(
                select(LadderVersion).where(LadderVersion.id.in_(missing))
            )
            for row in rows:
                compiled(row)
        return LadderBook([_compiled[k] for k in keys], national_fallback())

    async def exists(self, jurisdiction: str, effective_date: date) -> bool:
        found = await self.session.scalar(
            select(LadderVersion.id).where(
                LadderVersion.jurisdiction == jurisdiction,
                LadderVersion.effective_date == effective_date,
            )
        )
        return found is not None

    async def get(self, principal: Principal, ladder_id: uuid.UUID) -> LadderVersion | None:
        stmt = select(LadderVersion).where(
            LadderVersion.id == ladder_id, ladder_scope(principal.region)
        )
        return await self.session.scalar(stmt)

    async def page(
        self,
        principal: Principal,
        jurisdiction: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[LadderVersion]:
        stmt = select(LadderVersion).where(ladder_scope(principal.region))
        if jurisdiction is not None:
            stmt = stmt.where(LadderVersion.jurisdiction == jurisdiction)
        if after is not None:
            stmt = stmt.where(LadderVersion.id > after)
        stmt = stmt.order_by(LadderVersion.id).limit(limit)
        return (await self.session.scalars(stmt)).all()

    def add(self, row: LadderVersion) -> None:
        self.session.add(row)
