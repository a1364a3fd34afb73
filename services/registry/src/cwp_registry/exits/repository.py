from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.scope import region_clause
from cwp_registry.exits.models import ExitCase
from cwp_registry.workers.models import Worker
from cwp_registry.workers.scope import WorkerScoped


class ExitCaseRepository(WorkerScoped[ExitCase]):
    model = ExitCase
    key = ExitCase.id
    label = "Exit case"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = ExitCase.worker_id

    async def open_for(self, worker_id: uuid.UUID) -> ExitCase | None:
        stmt = self.scoped().where(ExitCase.worker_id == worker_id, ExitCase.status == "open")
        return await self.session.scalar(stmt)

    def listing(self, region: str | None, status: str | None) -> AnySelect:
        stmt = self.where_given(self.scoped(), (ExitCase.status, status))
        if region:
            members = select(Worker.id).where(region_clause(Worker.community_code, region))
            stmt = stmt.where(ExitCase.worker_id.in_(members))
        return stmt
