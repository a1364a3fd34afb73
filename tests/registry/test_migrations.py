"""The Alembic history builds exactly the schema the models declare, on each backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import DateTime, Uuid, bindparam, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from cwp_common.db import make_engine, new_id
from cwp_registry.app import create_app  # noqa: F401  (imports every model)
from cwp_registry.communities.models import Community
from cwp_registry.db import Base
from cwp_registry.workers.models import Worker
from tests.support.databases import fresh_database

INI = Path(__file__).resolve().parents[2] / "services" / "registry" / "alembic.ini"


def alembic_config(url: str) -> Config:
    cfg = Config(str(INI))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def differences(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


async def test_upgrade_head_matches_the_models(backend: str, tmp_path: Path) -> None:
    url = await fresh_database(backend, "registry", tmp_path)
    cfg = alembic_config(url)
    # env.py runs its own event loop, so Alembic goes to a worker thread.
    await asyncio.to_thread(command.upgrade, cfg, "head")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            indexes = await conn.run_sync(
                lambda c: {i["name"]: i for i in inspect(c).get_indexes("workers")}
            )
    finally:
        await engine.dispose()
    assert {
        "communities",
        "workers",
        "worker_transfers",
        "outbox",
        "inbox",
        "dead_letters",
    } <= tables
    assert indexes["uq_workers_current_id_number"]["unique"]

    await asyncio.to_thread(command.downgrade, cfg, "base")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            left = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert left <= {"alembic_version"}


async def test_migrated_schema_allows_one_current_registration_per_person(
    backend: str, tmp_path: Path
) -> None:
    """The partial unique index comes out of the migration, not only out of create_all:
    any number of exited records, one current one."""
    url = await fresh_database(backend, "registry", tmp_path)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(Community),
                {
                    "code": "310101002001",
                    "name": "x",
                    "population": 1,
                    "households": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            )

        def worker(status: str) -> dict[str, Any]:
            return {
                "id": new_id(),
                "name": "x",
                "id_number_cipher": "v1:x",
                "id_number_hash": "h",
                "sex": "male",
                "birth_date": date(1990, 1, 1),
                "community_code": "310101002001",
                "position": "full_time_worker",
                "employment_type": "labour_contract",
                "education": "bachelor",
                "political_status": "masses",
                "hire_date": date(2020, 1, 1),
                "service_start_date": date(2020, 1, 1),
                "status": status,
                "created_at": now,
                "updated_at": now,
            }

        for status in ("exited", "exited", "active"):
            async with engine.begin() as conn:
                await conn.execute(insert(Worker), worker(status))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert(Worker), worker("on_leave"))
    finally:
        await engine.dispose()


async def test_upgrade_creates_the_sqlite_folder_on_a_fresh_checkout(tmp_path: Path) -> None:
    db = tmp_path / "checkout" / "var" / "registry.db"
    await asyncio.to_thread(command.upgrade, alembic_config(f"sqlite+aiosqlite:///{db}"), "head")
    assert db.exists()


async def test_0003_starts_existing_posts_on_the_hire_date(backend: str, tmp_path: Path) -> None:
    """Rows registered before 0003 get position_since = hire_date, no 学位 and no
    concurrent posts; the new columns then read like any other row's."""
    url = await fresh_database(backend, "registry", tmp_path)
    cfg = alembic_config(url)
    await asyncio.to_thread(command.upgrade, cfg, "0002")
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (code, name, population, households, created_at, "
                    "updated_at) VALUES ('310101002001', 'x', 1, 1, :now, :now)"
                ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
                {"now": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO workers (id, name, id_number_cipher, id_number_hash, sex, "
                    "birth_date, community_code, position, employment_type, education, "
                    "political_status, hire_date, service_start_date, status, created_at, "
                    "updated_at) VALUES (:id, 'x', 'v1:x', 'h', 'male', :birth, '310101002001', "
                    "'party_secretary', 'labour_contract', 'bachelor', 'masses', :hired, "
                    ":hired, 'active', :now, :now)"
                ).bindparams(
                    bindparam("id", type_=Uuid()), bindparam("now", type_=DateTime(timezone=True))
                ),
                {"id": new_id(), "birth": date(1990, 1, 1), "hired": date(2018, 4, 2), "now": now},
            )
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.upgrade, cfg, "head")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Worker.position_since, Worker.degree, Worker.concurrent_posts)
                )
            ).one()
            # 0004 opens the term of the Party post held; 0005 counts what is held.
            terms = (
                await conn.execute(text("SELECT position, term_start, due_end FROM post_terms"))
            ).all()
            counts = (
                await conn.execute(
                    text(
                        "SELECT grain, dim, value, sum(delta) FROM workforce_counts "
                        "WHERE level = 0 AND dim IN ('headcount', 'position', 'flow', 'residents') "
                        "GROUP BY grain, dim, value"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert (row.position_since, row.degree, row.concurrent_posts) == (date(2018, 4, 2), None, [])
    assert [(p, str(start), str(due)) for p, start, due in terms] == [
        ("party_secretary", "2018-04-02", "2021-04-02")
    ], "a term begun before the 2018 amendment lasts 3 years"
    assert {tuple(c) for c in counts} == {
        ("d", "headcount", "all", 1),
        ("m", "headcount", "all", 1),
        ("d", "position", "party_secretary", 1),
        ("m", "position", "party_secretary", 1),
        ("d", "residents", "all", 1),
        ("m", "residents", "all", 1),
        ("f", "flow", "joined", 1),
    }
