"""Gateway migrations that move data: 0007 takes the request audit's statuses into
`request_audit_outcomes` and drops the column, keeping both tables append-only (on
SQLite the table is copied, and its triggers made again); its downgrade brings the
statuses back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.exc import DBAPIError

from cwp_common.db import UTCDateTime, make_engine, new_id, utcnow
from tests.support.databases import fresh_database

INI = Path(__file__).resolve().parents[2] / "services" / "gateway" / "alembic.ini"
INSERT_0006 = text(
    "INSERT INTO request_audit (id, at, actor, actor_kind, actor_region, method, path, "
    "status, address, request_id, full_id_read) VALUES (:id, :at, 'someone', 'user', '31', "
    "'POST', '/api/v1/registry/workers', :status, '10.0.0.1', :rid, :full)"
).bindparams(bindparam("id", type_=Uuid), bindparam("at", type_=UTCDateTime))


def alembic_config(url: str) -> Config:
    cfg = Config(str(INI))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


async def test_0007_moves_the_statuses_and_keeps_the_audit_append_only(
    backend: str, tmp_path: Path
) -> None:
    url = await fresh_database(backend, "gateway", tmp_path)
    cfg = alembic_config(url)
    # env.py runs its own event loop, so Alembic goes to a worker thread.
    await asyncio.to_thread(command.upgrade, cfg, "0006")
    engine = make_engine(url)
    ids = [new_id(), new_id()]
    try:
        async with engine.begin() as conn:
            for n, (entry, status) in enumerate(zip(ids, (201, 403), strict=True)):
                await conn.execute(
                    INSERT_0006,
                    {"id": entry, "at": utcnow(), "status": status, "rid": f"r{n}", "full": False},
                )
        await asyncio.to_thread(command.upgrade, cfg, "head")
        async with engine.connect() as conn:
            moved = (
                await conn.execute(
                    text(
                        "SELECT a.request_id, o.status FROM request_audit a "
                        "JOIN request_audit_outcomes o ON o.audit_id = a.id ORDER BY a.request_id"
                    )
                )
            ).all()
        assert [tuple(r) for r in moved] == [("r0", 201), ("r1", 403)]
        for statement in (
            "UPDATE request_audit SET path = '/elsewhere'",
            "DELETE FROM request_audit",
            "UPDATE request_audit_outcomes SET status = 200",
            "DELETE FROM request_audit_outcomes",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))

        await asyncio.to_thread(command.downgrade, cfg, "0006")
        async with engine.connect() as conn:
            back = (
                await conn.execute(
                    text("SELECT request_id, status FROM request_audit ORDER BY request_id")
                )
            ).all()
        assert [tuple(r) for r in back] == [("r0", 201), ("r1", 403)]
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text("DELETE FROM request_audit"))
    finally:
        await engine.dispose()
