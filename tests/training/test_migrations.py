"""The Alembic migrations build exactly the schema the models declare, on each backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import cwp_training.app  # noqa: F401  (registers every table on Base.metadata)
from cwp_training.db import Base

INI = Path(__file__).resolve().parents[2] / "services" / "training" / "alembic.ini"


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_head_matches_the_models(database_url: str) -> None:
    cfg = Config(str(INI))
    cfg.set_main_option("sqlalchemy.url", database_url)
    cfg.attributes["configure_logger"] = False
    await asyncio.to_thread(command.upgrade, cfg, "head")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert {"outbox", "inbox", "workers", "attendance", "qualifications", "obligations"} <= tables
    assert diff == []
    await asyncio.to_thread(command.downgrade, cfg, "base")
