"""Alembic glue: every service's migrations/env.py calls `run_migrations` with its
MetaData and database URL, online and async, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from cwp_common.db import ensure_sqlite_folder, is_sqlite


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = async_engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with engine.connect() as conn:
        await conn.run_sync(_do_run, metadata)
    await engine.dispose()


def run_migrations(metadata: MetaData, default_url: str) -> None:
    url = context.config.get_main_option("sqlalchemy.url") or default_url
    ensure_sqlite_folder(url)  # on a fresh checkout var/ does not exist yet
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, literal_binds=True, render_as_batch=is_sqlite(url)
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _do_run(connection, metadata)
        return
    asyncio.run(_run_async(url, metadata))
