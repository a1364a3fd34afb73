"""Worker projection queries, scoped on the worker's current community."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_training.workers.models import Worker


class WorkerRepository(Repository[Worker]):
    model = Worker
    key = Worker.worker_id
    scope_column = Worker.community_code
    worker_column: ClassVar[InstrumentedAttribute[Any] | None] = Worker.worker_id
    label = "Worker"

    async def many(self, worker_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Worker]:
        stmt = self.scoped().where(Worker.worker_id.in_(list(worker_ids)))
        return {w.worker_id: w for w in (await self.session.scalars(stmt)).all()}

    def serving(
        self,
        region: str | None = None,
        position: str | None = None,
    ) -> AnySelect:
        """Workers still serving, in scope, under `region` and in `position` if given."""
        stmt = self.scoped().where(Worker.status != "exited")
        if region:
            stmt = stmt.where(region_clause(Worker.community_code, region))
        if position:
            stmt = stmt.where(Worker.position == position)
        return stmt.order_by(Worker.worker_id)

    async def all_of(self, stmt: AnySelect) -> Sequence[Worker]:
        return (await self.session.scalars(stmt)).all()
