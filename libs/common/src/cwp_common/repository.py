"""The one repository shape every service uses (as Polar's `kit/repository`).

A repository is built for one caller: `Repository(session, principal)`. Every statement
starts from `scoped()`, which applies the caller's region scope once, so a read, list,
export or bulk job outside the region finds nothing, whichever endpoint asks. Event
handlers act for the platform, not for a caller: they pass `PLATFORM`, whose scope is
national.

A subclass names its model, its key and how the scope applies: `scope_column` for a model
that carries a division code itself, or an override of `scope()` for one scoped through
another table (say, the worker's current community).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.auth import Principal, Role
from cwp_common.pagination import fetch_page
from cwp_common.problems import NotFound
from cwp_common.scope import within_region

M = TypeVar("M")

# The platform itself (event handlers, scheduled jobs): national scope, no caller.
PLATFORM = Principal(subject="platform", kind="system", roles=frozenset({Role.ADMIN}), region="")


class Repository(Generic[M]):
    model: ClassVar[type[Any]]
    key: ClassVar[InstrumentedAttribute[Any]]  # primary key; also the paging order
    scope_column: ClassVar[InstrumentedAttribute[Any] | None] = None
    label: ClassVar[str] = "Record"  # for 404s: "Worker ... not found"

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # Read the class attributes through the class: a mapped column is a descriptor that,
    # read through an instance, would look for a mapped row.
    @property
    def _key(self) -> InstrumentedAttribute[Any]:
        return type(self).key

    def scope(self, stmt: Select[Any]) -> Select[Any]:
        """Restrict a statement over this model to the caller's region."""
        column = type(self).scope_column
        if column is None:
            raise NotImplementedError(f"{type(self).__name__} must say how it is scoped")
        return within_region(stmt, column, self.principal)

    def scoped(self) -> Select[Any]:
        return self.scope(select(type(self).model))

    @staticmethod
    def where_given(
        stmt: Select[Any], *equalities: tuple[InstrumentedAttribute[Any], object]
    ) -> Select[Any]:
        """`stmt` with `column == value` for each (column, value) whose value was given
        (not None): the optional filters of a list endpoint."""
        for column, value in equalities:
            if value is not None:
                stmt = stmt.where(column == value)
        return stmt

    async def get(self, key: Any, *, for_update: bool = False) -> M | None:
        stmt = self.scoped().where(self._key == key)
        if for_update:
            stmt = stmt.with_for_update(of=type(self).model)
        return await self.session.scalar(stmt)  # type: ignore[no-any-return]

    async def get_or_404(self, key: Any, *, for_update: bool = False) -> M:
        row = await self.get(key, for_update=for_update)
        if row is None:
            raise NotFound(self.label, key)
        return row

    async def page(
        self, stmt: Select[Any], cursor: str | None, limit: int
    ) -> tuple[Sequence[M], str | None]:
        """One page of `stmt` (which must start from `scoped()`), ordered by the key."""
        return await fetch_page(self.session, stmt, self._key, cursor, limit)

    def add(self, row: M) -> None:
        self.session.add(row)
