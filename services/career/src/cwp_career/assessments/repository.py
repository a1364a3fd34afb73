"""Assessment and exit-recommendation queries, scoped on the community code."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_career.db import dialect_of
from cwp_career.workers.models import Worker
from cwp_common.auth import Principal
from cwp_common.scope import region_clause, within_region


@dataclass(frozen=True)
class AssessmentFilter:
    region: str | None = None
    year: int | None = None
    status: str | None = None
    worker_id: uuid.UUID | None = None


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, principal: Principal, assessment_id: uuid.UUID, *, for_update: bool = False
    ) -> Assessment | None:
        stmt = within_region(
            select(Assessment).where(Assessment.id == assessment_id),
            Assessment.community_code,
            principal,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def page(
        self, principal: Principal, f: AssessmentFilter, after: uuid.UUID | None, limit: int
    ) -> Sequence[Assessment]:
        stmt = within_region(select(Assessment), Assessment.community_code, principal)
        if f.region:
            stmt = stmt.where(region_clause(Assessment.community_code, f.region))
        if f.year is not None:
            stmt = stmt.where(Assessment.year == f.year)
        if f.status is not None:
            stmt = stmt.where(Assessment.status == f.status)
        if f.worker_id is not None:
            stmt = stmt.where(Assessment.worker_id == f.worker_id)
        if after is not None:
            stmt = stmt.where(Assessment.id > after)
        return (await self.session.scalars(stmt.order_by(Assessment.id).limit(limit))).all()

    async def drafts(
        self, principal: Principal, community_code: str, year: int
    ) -> list[Assessment]:
        stmt = within_region(
            select(Assessment).where(
                Assessment.community_code == community_code,
                Assessment.year == year,
                Assessment.status == "draft",
            ),
            Assessment.community_code,
            principal,
        ).order_by(Assessment.id)
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def results_in(self, unit: str, year: int) -> list[str]:
        """Every result entered (draft or confirmed) in a unit (community or street) and
        year: the population the cap on the best result is measured against."""
        stmt = select(Assessment.result).where(
            region_clause(Assessment.community_code, unit), Assessment.year == year
        )
        return list((await self.session.scalars(stmt)).all())

    async def years_taken(self, worker_ids: Collection[uuid.UUID], year: int) -> set[uuid.UUID]:
        if not worker_ids:
            return set()
        stmt = select(Assessment.worker_id).where(
            Assessment.worker_id.in_(list(worker_ids)), Assessment.year == year
        )
        return set((await self.session.scalars(stmt)).all())

    async def passing_by_year(self, worker_id: uuid.UUID) -> dict[int, bool]:
        stmt = select(Assessment.year, Assessment.passing).where(
            Assessment.worker_id == worker_id, Assessment.status == "confirmed"
        )
        return {y: bool(p) for y, p in (await self.session.execute(stmt)).all()}

    async def results_by_year(
        self, worker_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[int, str]]:
        out: dict[uuid.UUID, dict[int, str]] = {}
        if not worker_ids:
            return out
        stmt = select(Assessment.worker_id, Assessment.year, Assessment.result).where(
            Assessment.worker_id.in_(list(worker_ids)), Assessment.status == "confirmed"
        )
        for wid, year, result in (await self.session.execute(stmt)).all():
            out.setdefault(wid, {})[year] = result
        return out

    async def workers(
        self, principal: Principal, worker_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Worker]:
        stmt = within_region(
            select(Worker).where(Worker.worker_id.in_(list(worker_ids))),
            Worker.community_code,
            principal,
        )
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        return {w.worker_id: w for w in (await self.session.scalars(stmt)).all()}

    async def open_recommendation(self, worker_id: uuid.UUID) -> ExitRecommendation | None:
        stmt = select(ExitRecommendation).where(
            ExitRecommendation.worker_id == worker_id, ExitRecommendation.status == "open"
        )
        return await self.session.scalar(stmt)

    async def recommendations(
        self,
        principal: Principal,
        region: str | None,
        status: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[ExitRecommendation]:
        stmt = within_region(
            select(ExitRecommendation), ExitRecommendation.community_code, principal
        )
        if region:
            stmt = stmt.where(region_clause(ExitRecommendation.community_code, region))
        if status is not None:
            stmt = stmt.where(ExitRecommendation.status == status)
        if after is not None:
            stmt = stmt.where(ExitRecommendation.id > after)
        stmt = stmt.order_by(ExitRecommendation.id).limit(limit)
        return (await self.session.scalars(stmt)).all()

    def add(self, row: Assessment | ExitRecommendation) -> None:
        self.session.add(row)
