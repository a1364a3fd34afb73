"""Set-based writes of count changes: one upsert per batch that adds each change to its
row. Rows are written in key order, so concurrent writers lock them in the same order
and cannot deadlock each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_registry.statistics.models import WorkforceCount
from cwp_registry.statistics.rules import Changes, Key, nonzero

BATCH = 5000
_KEY = ("level", "region", "grain", "period", "dim", "value")


def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(WorkforceCount)
    return stmt.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={"delta": WorkforceCount.delta + stmt.excluded.delta},
    )


async def apply(session: AsyncSession, changes: Changes | Mapping[Key, int]) -> None:
    rows = [
        dict(zip(_KEY, key, strict=True), delta=delta) for key, delta in nonzero(changes).items()
    ]
    if not rows:
        return
    stmt = _upsert((await session.connection()).dialect.name)
    for start in range(0, len(rows), BATCH):
        await session.execute(stmt, rows[start : start + BATCH])
