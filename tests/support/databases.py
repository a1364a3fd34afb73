"""Database URLs for tests: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.

For PostgreSQL each service gets its own database (cwp_test_<service>), reset to an empty
public schema before each test, so tests are independent and the real server is used.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cwp_common.db import make_engine


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def _async_pg_url(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def fresh_database(backend: str, service: str, tmp: Path) -> str:
    """An empty database for one test; returns its async URL."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / f'{service}.db'}"
    admin_url = _async_pg_url(os.environ["TEST_DATABASE_URL"])
    # TEST_DATABASE_SUFFIX lets two checkouts run their suites on one server at once, and
    # each pytest-xdist worker (gw0, gw1, ...) has databases of its own.
    suffix = os.environ.get("TEST_DATABASE_SUFFIX", "") + os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"cwp_test_{service}{suffix}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    return url


@asynccontextmanager
async def engine_with(
    metadata: MetaData, backend: str, service: str, tmp: Path
) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database holding the metadata's tables, disposed after."""
    engine = make_engine(await fresh_database(backend, service, tmp))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()
