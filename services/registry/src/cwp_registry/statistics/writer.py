"""Set-based writes of count changes through cwp_common.db.add_counts: one upsert per
batch that adds each change to its row, in key order (no deadlocks between writers)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import add_counts
from cwp_registry.statistics.models import WorkforceCount
from cwp_registry.statistics.rules import Changes, Key, nonzero

_KEY = ("level", "region", "grain", "period", "dim", "value")


async def apply(session: AsyncSession, changes: Changes | Mapping[Key, int]) -> None:
    rows = [
        dict(zip(_KEY, key, strict=True), delta=delta) for key, delta in nonzero(changes).items()
    ]
    await add_counts(session, WorkforceCount, _KEY, "delta", rows)
