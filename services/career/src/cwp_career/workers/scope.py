"""Per-worker records (assessments, exit recommendations, grade history, professional
levels) follow the worker: they are in a caller's region when the worker's CURRENT
community is, whatever community was stored when the record was made. After a transfer
the new region sees and changes them, the old one no longer does."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute

from cwp_career.workers.models import Worker
from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause, within_region

M = TypeVar("M")
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]  # every row shape


class WorkerScoped(Repository[M]):
    worker_column: ClassVar[InstrumentedAttribute[Any]]  # the record's worker_id

    def scope(self, stmt: S) -> S:  # any select, typed as given
        if not self.principal.region:
            return stmt  # national: nothing to join
        in_region = within_region(select(Worker.worker_id), Worker.community_code, self.principal)
        return stmt.where(type(self).worker_column.in_(in_region))

    def workers_in(self, region: str) -> ColumnElement[bool]:
        """A filter: records of workers whose current community is under `region`."""
        in_region = select(Worker.worker_id).where(region_clause(Worker.community_code, region))
        return type(self).worker_column.in_(in_region)

    def listed(
        self, region: str | None, *equalities: tuple[InstrumentedAttribute[Any], object]
    ) -> AnySelect:
        """A list endpoint's statement: in scope, of workers now under `region` if one is
        given, with the optional equality filters (see where_given)."""
        stmt = self.where_given(self.scoped(), *equalities)
        return stmt.where(self.workers_in(region)) if region else stmt

    def workers_of(self, community_code: str) -> ColumnElement[bool]:
        """A filter: records of workers currently in this community."""
        members = select(Worker.worker_id).where(Worker.community_code == community_code)
        return type(self).worker_column.in_(members)
