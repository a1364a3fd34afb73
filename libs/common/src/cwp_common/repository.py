"""The one repository shape every service uses (as Polar's `kit/repository`).

A repository is built for one caller: `Repository(session, principal)`. Every statement
starts from `scoped()`, which applies the caller's region scope once, so a read, list,
export or bulk job outside the region finds nothing, whichever endpoint asks. Event
handlers act for the platform, not for a caller: they pass `PLATFORM`, whose scope is
national.

A subclass names its model, its key and how the scope applies: `scope_column` for a model
that carries a division code itself, or an override of `scope()` for one scoped through
another table (say, the worker's current community).

A worker signed in to the self-service app (`Principal.worker_id`) sees only their own
records: `scope()` also keeps only rows whose `worker_column` is that worker, and a
repository that names no `worker_column` shows a worker nothing. This holds for a
subclass's own `scope()` too: it is wrapped when the class is made, so no override can
forget it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.auth import Principal, Role
from cwp_common.db import AnySelect
from cwp_common.direct_reads import UNSUPPORTED, reads_of
from cwp_common.pagination import fetch_page
from cwp_common.problems import NotFound
from cwp_common.scope import within_region

M = TypeVar("M")

# The platform itself (event handlers, scheduled jobs): national scope, no caller.
PLATFORM = Principal(subject="platform", kind="system", roles=frozenset({Role.ADMIN}), region="")


S = TypeVar("S", bound=AnySelect)
ScopeMethod = Callable[[Any, S], S]


def keeps_workers_own(scope: ScopeMethod[S]) -> ScopeMethod[S]:
    """`scope` followed by the worker filter (Repository.own_rows)."""
    if getattr(scope, "keeps_workers_own", False):
        return scope

    @functools.wraps(scope)
    def scoped_to_worker(self: Repository[Any], stmt: S) -> S:
        return self.own_rows(scope(self, stmt))

    scoped_to_worker.keeps_workers_own = True  # type: ignore[attr-defined]
    return scoped_to_worker


class Repository(Generic[M]):
    model: ClassVar[type[Any]]
    key: ClassVar[InstrumentedAttribute[Any]]  # primary key; also the paging order
    scope_column: ClassVar[InstrumentedAttribute[Any] | None] = None
    # The column naming the worker a row belongs to (a payslip's, a grade's): a worker's
    # own account sees the rows where it is theirs, and nothing of a repository without it.
    worker_column: ClassVar[InstrumentedAttribute[Any] | None] = None
    label: ClassVar[str] = "Record"  # for 404s: "Worker ... not found"

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("scope")
        if own is not None:
            cls.scope = keeps_workers_own(own)  # type: ignore[method-assign]

    def own_rows(self, stmt: S) -> S:
        """`stmt` narrowed to the caller's own rows when the caller is a worker."""
        worker_id = self.principal.worker_id
        if worker_id is None:
            return stmt
        column = type(self).worker_column
        if column is None:
            return stmt.where(false())
        value: object = worker_id
        if getattr(column.type, "as_uuid", False):  # a Uuid column compares UUID objects
            value = uuid.UUID(worker_id)
        return stmt.where(column == value)

    # Read the class attributes through the class: a mapped column is a descriptor that,
    # read through an instance, would look for a mapped row.
    @property
    def _key(self) -> InstrumentedAttribute[Any]:
        return type(self).key

    @keeps_workers_own
    def scope(self, stmt: AnySelect) -> AnySelect:
        """Restrict a statement over this model to the caller's region (and a worker to
        their own rows)."""
        column = type(self).scope_column
        if column is None:
            raise NotImplementedError(f"{type(self).__name__} must say how it is scoped")
        return within_region(stmt, column, self.principal)

    def scoped(self) -> AnySelect:
        return self.scope(select(type(self).model))

    @staticmethod
    def where_given(
        stmt: AnySelect, *equalities: tuple[InstrumentedAttribute[Any], object]
    ) -> AnySelect:
        """`stmt` with `column == value` for each (column, value) whose value was given
        (not None): the optional filters of a list endpoint."""
        for column, value in equalities:
            if value is not None:
                stmt = stmt.where(column == value)
        return stmt

    async def get(self, key: Any, *, for_update: bool = False) -> M | None:
        reads = reads_of(self.session)  # a read request's session: straight on the driver
        if reads is not None and not for_update:
            found = await reads.get(self, key)
            if found is not UNSUPPORTED:
                return found  # type: ignore[no-any-return]
        stmt = self.scoped().where(self._key == key)
        if for_update:
            stmt = stmt.with_for_update(of=type(self).model)
        return await self.session.scalar(stmt)

    async def get_or_404(self, key: Any, *, for_update: bool = False) -> M:
        row = await self.get(key, for_update=for_update)
        if row is None:
            raise NotFound(self.label, key)
        return row

    async def page(
        self, stmt: AnySelect, cursor: str | None, limit: int
    ) -> tuple[Sequence[M], str | None]:
        """One page of `stmt` (which must start from `scoped()`), ordered by the key."""
        return await fetch_page(self.session, stmt, self._key, cursor, limit)

    def add(self, row: M) -> None:
        self.session.add(row)
