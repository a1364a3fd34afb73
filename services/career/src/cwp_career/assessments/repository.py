"""Assessment and exit-recommendation queries, scoped by the worker's CURRENT community
(WorkerScoped): after a transfer the records go with the worker to the new region."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_career.db import dialect_of
from cwp_career.workers.scope import WorkerScoped
from cwp_common.db import utcnow
from cwp_common.scope import region_clause


@dataclass(frozen=True)
class AssessmentFilter:
    region: str | None = None
    year: int | None = None
    status: str | None = None
    worker_id: uuid.UUID | None = None


class AssessmentRepository(WorkerScoped[Assessment]):
    model = Assessment
    key = Assessment.id
    worker_column = Assessment.worker_id
    label = "Assessment"

    async def find(
        self, f: AssessmentFilter, cursor: str | None, limit: int
    ) -> tuple[Sequence[Assessment], str | None]:
        stmt = self.listed(
            f.region,
            (Assessment.year, f.year),
            (Assessment.status, f.status),
            (Assessment.worker_id, f.worker_id),
        )
        return await self.page(stmt, cursor, limit)

    async def drafts(self, community_code: str, year: int) -> list[Assessment]:
        """The year's drafts of the workers now in the community."""
        stmt = (
            self.scoped()
            .where(
                self.workers_of(community_code),
                Assessment.year == year,
                Assessment.status == "draft",
            )
            .order_by(Assessment.id)
        )
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def results_in(self, unit: str, year: int) -> list[str]:
        """Every result entered (draft or confirmed) in a unit (community or street) and
        year: the population the cap on the best result is measured against. The caller
        has checked the unit is in its region."""
        stmt = select(Assessment.result).where(
            region_clause(Assessment.community_code, unit), Assessment.year == year
        )
        return list((await self.session.scalars(stmt)).all())

    async def years_taken(self, worker_ids: Collection[uuid.UUID], year: int) -> set[uuid.UUID]:
        """Of these workers, those in scope assessed for `year`."""
        if not worker_ids:
            return set()
        stmt = self.scope(select(Assessment.worker_id)).where(
            Assessment.worker_id.in_(list(worker_ids)), Assessment.year == year
        )
        return set((await self.session.scalars(stmt)).all())

    async def passing_by_year(self, worker_id: uuid.UUID) -> dict[int, bool]:
        stmt = self.scope(select(Assessment.year, Assessment.passing)).where(
            Assessment.worker_id == worker_id, Assessment.status == "confirmed"
        )
        return {y: bool(p) for y, p in (await self.session.execute(stmt)).all()}

    async def results_by_year(
        self, worker_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[int, str]]:
        out: dict[uuid.UUID, dict[int, str]] = {}
        if not worker_ids:
            return out
        stmt = self.scope(select(Assessment.worker_id, Assessment.year, Assessment.result)).where(
            Assessment.worker_id.in_(list(worker_ids)), Assessment.status == "confirmed"
        )
        for wid, year, result in (await self.session.execute(stmt)).all():
            out.setdefault(wid, {})[year] = result
        return out


class ExitRecommendationRepository(WorkerScoped[ExitRecommendation]):
    model = ExitRecommendation
    key = ExitRecommendation.id
    worker_column = ExitRecommendation.worker_id
    label = "Exit recommendation"

    async def find(
        self, region: str | None, status: str | None, cursor: str | None, limit: int
    ) -> tuple[Sequence[ExitRecommendation], str | None]:
        stmt = self.listed(region, (ExitRecommendation.status, status))
        return await self.page(stmt, cursor, limit)

    async def open_for(self, worker_id: uuid.UUID) -> ExitRecommendation | None:
        stmt = self.scoped().where(
            ExitRecommendation.worker_id == worker_id, ExitRecommendation.status == "open"
        )
        found: ExitRecommendation | None = await self.session.scalar(stmt)
        return found

    async def close_open(self, worker_id: uuid.UUID) -> None:
        """The worker exited: their open recommendations are done with."""
        await self.session.execute(
            update(ExitRecommendation)
            .where(ExitRecommendation.worker_id == worker_id, ExitRecommendation.status == "open")
            .values(status="closed", closed_at=utcnow())
        )
