from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import or_
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_registry.management.models import ConductRecord, DutyRecord, DutyRule
from cwp_registry.workers.scope import WorkerScoped


class DutyRuleRepository(Repository[DutyRule]):
    """Rules of the caller's region and of the regions above it (a district's rule
    applies in its streets, so a street office reads it)."""

    model = DutyRule
    key = DutyRule.id
    label = "Duty rule"

    def scope(self, stmt: AnySelect) -> AnySelect:
        region = self.principal.region
        if not region:
            return stmt
        above = [region[:n] for n in range(2, len(region) + 1)]
        col = DutyRule.jurisdiction
        return stmt.where(or_(col.in_(above), col.startswith(region, autoescape=True)))

    async def for_community(self, community_code: str, kind: str) -> Sequence[DutyRule]:
        """Every rule of this kind of the community's jurisdictions (national on
        purpose: the community's own chain of regions decides, not the caller's)."""
        prefixes = [community_code[:n] for n in range(2, 13)]
        stmt = self.scoped().where(DutyRule.kind == kind, DutyRule.jurisdiction.in_(prefixes))
        return (await self.session.scalars(stmt)).all()

    def listing(self, kind: str | None) -> AnySelect:
        return self.where_given(self.scoped(), (DutyRule.kind, kind))


class DutyRepository(WorkerScoped[DutyRecord]):
    model = DutyRecord
    key = DutyRecord.id
    label = "Duty record"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = DutyRecord.worker_id

    def of_worker(self, worker_id: uuid.UUID) -> AnySelect:
        return self.scoped().where(DutyRecord.worker_id == worker_id)


class ConductRepository(WorkerScoped[ConductRecord]):
    model = ConductRecord
    key = ConductRecord.id
    label = "Conduct record"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = ConductRecord.worker_id

    def of_worker(self, worker_id: uuid.UUID, kind: str | None) -> AnySelect:
        stmt = self.scoped().where(ConductRecord.worker_id == worker_id)
        return self.where_given(stmt, (ConductRecord.kind, kind))
