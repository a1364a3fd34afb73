"""Worker projection queries, scoped on the worker's current community code, so a
worker outside the caller's region is simply not found. Event handlers pass PLATFORM."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select

from cwp_career.db import dialect_of
from cwp_career.workers.models import ProfessionalLevel, Worker
from cwp_career.workers.scope import WorkerScoped
from cwp_common.db import AnySelect, among, copy_rows
from cwp_common.repository import Repository
from cwp_common.scope import region_clause


@dataclass(frozen=True)
class WorkerFilter:
    region: str | None = None
    category: str | None = None
    grade: int | None = None
    status: str | None = None


class WorkerRepository(Repository[Worker]):
    model = Worker
    key = Worker.worker_id
    scope_column = Worker.community_code
    worker_column = Worker.worker_id  # a worker's own account sees only this row
    label = "Worker"

    def scoped(self) -> AnySelect:
        # Grades are written set-based (Core), past the identity map: always reload.
        return super().scoped().execution_options(populate_existing=True)

    async def find(
        self, f: WorkerFilter, cursor: str | None, limit: int
    ) -> tuple[Sequence[Worker], str | None]:
        stmt = self.where_given(
            self.scoped(),
            (Worker.category, f.category),
            (Worker.grade, f.grade),
            (Worker.status, f.status),
        )
        if f.region:
            stmt = stmt.where(region_clause(Worker.community_code, f.region))
        return await self.page(stmt, cursor, limit)

    async def many(self, worker_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Worker]:
        """The workers among `worker_ids` in scope, locked on PostgreSQL."""
        stmt = self.scoped().where(Worker.worker_id.in_(list(worker_ids)))
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update()
        return {w.worker_id: w for w in (await self.session.scalars(stmt)).all()}

    async def known(self, worker_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `worker_ids` the projection holds (national: for event handlers)."""
        stmt = self.scope(select(Worker.worker_id)).where(
            among(Worker.worker_id, list(worker_ids), dialect_of(self.session))
        )
        return set((await self.session.scalars(stmt)).all())

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """New workers (a batch of registrations), past the identity map: COPY on
        PostgreSQL, one executemany elsewhere. Every row has the same keys."""
        if not rows:
            return
        table = cast(Table, Worker.__table__)
        if dialect_of(self.session) == "postgresql":
            columns = list(rows[0])
            records = [tuple(r[c] for c in columns) for r in rows]
            await copy_rows(self.session, table.name, columns, records)
        else:
            await self.session.execute(insert(table), rows)

    def candidates(self, region: str | None, positions: Collection[str] | None) -> AnySelect:
        """Workers still serving, in the region and posts an eligibility scan looks at."""
        stmt = self.scoped().where(Worker.status != "exited")
        if region:
            stmt = stmt.where(region_clause(Worker.community_code, region))
        if positions is not None:  # a concurrent post may be the one asked for
            stmt = stmt.where(
                or_(Worker.position.in_(sorted(positions)), Worker.concurrent_posts != "")
            )
        return stmt


class LevelRepository(WorkerScoped[ProfessionalLevel]):
    """Professional levels; a level may arrive before the worker's registration."""

    model = ProfessionalLevel
    key = ProfessionalLevel.id
    worker_column = ProfessionalLevel.worker_id
    label = "Professional level"

    async def held(self, worker_id: uuid.UUID, kind: str) -> list[str]:
        stmt = select(ProfessionalLevel.level).where(
            ProfessionalLevel.worker_id == worker_id, ProfessionalLevel.kind == kind
        )
        return list((await self.session.scalars(self.scope(stmt))).all())

    async def held_by(
        self, worker_ids: Collection[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], list[str]]:
        """The levels of many workers at once: (worker, kind) -> levels held."""
        stmt = select(
            ProfessionalLevel.worker_id, ProfessionalLevel.kind, ProfessionalLevel.level
        ).where(among(ProfessionalLevel.worker_id, list(worker_ids), dialect_of(self.session)))
        held: dict[tuple[uuid.UUID, str], list[str]] = {}
        for worker_id, kind, level in (await self.session.execute(self.scope(stmt))).all():
            held.setdefault((worker_id, kind), []).append(level)
        return held
