"""Per-worker records (contracts, enrolments, care and discipline records, exit cases)
follow the worker: they are in a caller's region when the worker's CURRENT community is,
so after a transfer the new region sees them and the old one no longer does. A worker
principal sees only its own (`worker_column`, see cwp_common.repository)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.repository import Repository
from cwp_common.scope import within_region
from cwp_registry.workers.models import Worker

M = TypeVar("M")
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]  # every row shape


class WorkerScoped(Repository[M]):
    worker_column: ClassVar[InstrumentedAttribute[Any]]  # the record's worker_id

    def scope(self, stmt: S) -> S:
        if not self.principal.region:
            return stmt  # national: nothing to join
        in_region = within_region(select(Worker.id), Worker.community_code, self.principal)
        return stmt.where(type(self).worker_column.in_(in_region))
