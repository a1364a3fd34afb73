"""Per-worker records (qualifications, exam results, skill levels, enrolments, hours,
obligations) follow the worker: they are in a caller's region when the worker's CURRENT
community is, whatever community was current when the record was made."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.auth import Principal
from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause, within_region
from cwp_training.workers.models import Worker

M = TypeVar("M")
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]  # every row shape


def own_rows(stmt: S, principal: Principal, column: Any | None) -> S:
    """A worker signed in for themselves (role `worker`, claim `worker_id`) sees only
    rows whose worker column is theirs, and nothing where there is no such column (the
    platform's worker-scope contract, kept by repositories that override `scope`)."""
    own = getattr(principal, "worker_id", None)
    if own is None:
        return stmt
    if column is None:
        return stmt.where(false())
    return stmt.where(column == uuid.UUID(str(own)))


class WorkerScoped(Repository[M]):
    # The record's worker_id: the region scope goes through it, and a worker signed in
    # for themselves sees only their own rows (cwp_common Repository's worker scope).
    worker_column: ClassVar[InstrumentedAttribute[Any]]

    def scope(self, stmt: S) -> S:  # any select, typed as given
        stmt = own_rows(stmt, self.principal, type(self).worker_column)
        if not self.principal.region:
            return stmt  # national: nothing to join
        in_region = within_region(select(Worker.worker_id), Worker.community_code, self.principal)
        return stmt.where(type(self).worker_column.in_(in_region))

    def listed(
        self, region: str | None, *equalities: tuple[InstrumentedAttribute[Any], object]
    ) -> AnySelect:
        """A list's statement: in scope, of workers now under `region` when given, with
        the optional equality filters."""
        stmt = self.where_given(self.scoped(), *equalities)
        if region:
            now_there = select(Worker.worker_id).where(region_clause(Worker.community_code, region))
            stmt = stmt.where(type(self).worker_column.in_(now_there))
        return stmt
