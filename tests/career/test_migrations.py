"""The Alembic migrations build exactly the schema the models declare, on each backend."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Table, insert, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import cwp_career.app  # noqa: F401  (registers every table on Base.metadata)
from cwp_career.assessments.models import Assessment
from cwp_career.db import Base
from cwp_career.workers.models import Worker

INI = Path(__file__).resolve().parents[2] / "services" / "career" / "alembic.ini"


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_head_matches_the_models(database_url: str) -> None:
    cfg = Config(str(INI))
    cfg.set_main_option("sqlalchemy.url", database_url)
    cfg.attributes["configure_logger"] = False
    # env.py runs its own event loop; give it a thread.
    await asyncio.to_thread(command.upgrade, cfg, "head")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert {"outbox", "inbox", "dead_letters", "workers", "ladders", "grade_history"} <= tables
    assert diff == []
    # And back down to nothing.
    await asyncio.to_thread(command.downgrade, cfg, "base")


async def test_assessment_counts_are_filled_from_the_confirmed_results(database_url: str) -> None:
    """0003 counts each confirmed result once, in its worker's current community, from
    the day (China time) of its confirmation; drafts are not counted."""
    cfg = Config(str(INI))
    cfg.set_main_option("sqlalchemy.url", database_url)
    cfg.attributes["configure_logger"] = False
    await asyncio.to_thread(command.upgrade, cfg, "0002")
    moved, stayed = uuid.uuid4(), uuid.uuid4()
    # 2025-03-01 17:30 UTC is 2025-03-02 in China.
    late = datetime(2025, 3, 1, 17, 30, tzinfo=UTC)
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            # Core inserts of the columns 0002 has (the models are at head).
            await session.execute(
                insert(cast(Table, Worker.__table__)),
                [_worker(moved, "440103001001"), _worker(stayed, "440104001001")],
            )
            await session.execute(
                insert(cast(Table, Assessment.__table__)),
                [
                    _assessment(moved, "440104001001", 2024, "优秀", late),  # moved since
                    _assessment(stayed, "440104001001", 2024, "合格", late),
                    _assessment(stayed, "440104001001", 2025, "合格", None),  # a draft
                ],
            )
        await asyncio.to_thread(command.upgrade, cfg, "0003")
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                text(
                    "SELECT community_code, year, result, day, delta FROM assessment_counts "
                    "ORDER BY community_code"
                )
            )
            found = [(c, y, r, str(d), n) for c, y, r, d, n in rows]
    finally:
        await engine.dispose()
    assert found == [
        ("440103001001", 2024, "优秀", "2025-03-02", 1),
        ("440104001001", 2024, "合格", "2025-03-02", 1),
    ]
    await asyncio.to_thread(command.downgrade, cfg, "base")


def _worker(worker_id: uuid.UUID, community_code: str) -> dict[str, Any]:
    day = date(2020, 1, 1)
    return dict(
        worker_id=worker_id,
        name="测试",
        community_code=community_code,
        position="full_time_worker",
        position_since=day,
        community_since=day,
        education="bachelor",
        hire_date=day,
        service_start_date=day,
        status="active",
        updated_at=datetime.now(UTC),
        version=1,
    )


def _assessment(
    worker_id: uuid.UUID, community_code: str, year: int, result: str, confirmed: datetime | None
) -> dict[str, Any]:
    score = Decimal("90")
    return dict(
        id=uuid.uuid4(),
        worker_id=worker_id,
        community_code=community_code,
        year=year,
        political_quality=score,
        work_performance=score,
        resident_satisfaction=score,
        result=result,
        status="confirmed" if confirmed else "draft",
        created_by="test",
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
        confirmed_at=confirmed,
    )
