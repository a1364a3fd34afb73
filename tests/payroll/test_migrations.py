"""The Alembic migrations build exactly the schema the models declare, on each backend;
on PostgreSQL payslips is a table partitioned by period, and a run makes its month's
partition."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import cwp_payroll.app  # noqa: F401  (registers every table on Base.metadata)
from cwp_payroll.db import Base
from cwp_payroll.runs.writer import ensure_partition

INI = Path(__file__).resolve().parents[2] / "services" / "payroll" / "alembic.ini"


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
            if conn.dialect.name == "postgresql":
                kind = await conn.scalar(
                    text("SELECT relkind::text FROM pg_class WHERE relname = 'payslips'")
                )
                assert kind == "p"  # partitioned
                async with AsyncSession(bind=conn) as session:
                    await ensure_partition(session, 202512)
                    await ensure_partition(session, 202512)  # idempotent
                bounds = await conn.scalar(
                    text(
                        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class "
                        "WHERE relname = 'payslips_202512'"
                    )
                )
                assert bounds == "FOR VALUES FROM (202512) TO (202601)"
                await conn.rollback()
    finally:
        await engine.dispose()
    assert {"outbox", "inbox", "workers", "pay_policies", "runs", "payslips"} <= tables
    assert diff == []
    await asyncio.to_thread(command.downgrade, cfg, "base")
