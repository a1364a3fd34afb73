"""The raw driver path for a mass regrade's reads on PostgreSQL.

SQLAlchemy's per-row result processing cost more than the query and the grading
together, so a batch statement (built and scoped as usual) is compiled once and run on
asyncpg directly, inside the session's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.db import AnySelect


async def fetch_tuples(
    session: AsyncSession, stmt: AnySelect, make: Callable[..., Any]
) -> list[Any]:
    """Every row of `stmt` as `make(*columns)`; the ORM path on other databases."""
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        return [make(*r) for r in (await session.execute(stmt)).all()]
    # render_postcompile: an IN list (expanding parameter) becomes its own parameters.
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg, inside the session's transaction
    records = await driver.fetch(str(compiled), *params)
    return [make(*r) for r in records]
