"""`cwp rebuild`: career's worker projection lost (a restore from an old backup), rebuilt
from the REGISTRY stream on real NATS: the durable is deleted as career's own user, the
inbox and the named tables emptied, and the restarted service applies every event again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from cwp_career.app import create_app
from cwp_career.config import Settings
from cwp_common.db import make_engine
from cwp_common.events.contracts import WorkerRegistered
from cwp_common.settings import PlatformSettings
from cwp_ops.rebuild import rebuild
from cwp_ops.services import ServiceParts
from tests.career.helpers import envelope, facts
from tests.career.test_consumers import send
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.nats_server import NatsServer
from tests.support.tokens import Tokens


async def count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        await engine.dispose()


async def until_count(url: str, table: str, expected: int, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await count(url, table) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{table} never had {expected} rows"
        await asyncio.sleep(0.2)


async def test_a_lost_projection_is_rebuilt_from_the_stream(
    backend: str, tmp_path: Path, nats_server: NatsServer, tokens: Tokens
) -> None:
    url = await fresh_database(backend, "career", tmp_path)
    platform = PlatformSettings(
        env="dev", nats_url=nats_server.url, nats_credentials_dir=nats_server.credentials_dir,
        jwt_public_key_path=tokens.public_path, log_level="WARNING",
    )  # fmt: skip
    settings = Settings(database_url=url, daily_regrade=False)
    events = [envelope(WorkerRegistered(**facts())) for _ in range(3)]
    await send(nats_server, *events)
    async with running(create_app(settings, platform, create_schema=True)):
        await until_count(url, "workers", 3)
        await until_count(url, "inbox", 3)
    # A restore from an old backup: the projection lost its rows, the inbox did not.
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM grade_history"))
        await conn.execute(
            text("DELETE FROM workers WHERE worker_id IN (SELECT worker_id FROM workers LIMIT 2)")
        )
    await engine.dispose()
    async with running(create_app(settings, platform)):
        await asyncio.sleep(2)  # nothing comes back by itself: the durable is past them
        assert await count(url, "workers") == 1

    parts = ServiceParts("career", url, ServiceParts.load("career").tables,
                         ServiceParts.load("career").subscriptions)  # fmt: skip
    lines = await rebuild(platform, parts, "career-workers", ["grade_history", "workers"])
    assert lines[0] == "durable career-workers: deleted"
    assert lines[1] == "inbox: 3 rows of career-workers deleted"
    assert lines[3] == "workers: 1 rows deleted"
    assert await count(url, "workers") == 0
    async with running(create_app(settings, platform)):
        await until_count(url, "workers", 3)
        await until_count(url, "inbox", 3)
        assert await count(url, "grade_history") >= 3


async def test_rebuild_refuses_what_is_not_the_services(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    platform = PlatformSettings(
        env="dev", nats_url=nats_server.url, nats_credentials_dir=nats_server.credentials_dir
    )
    parts = ServiceParts.load("career")
    with pytest.raises(SystemExit, match="no consumer registry-workers"):
        await rebuild(platform, parts, "registry-workers", [])
    with pytest.raises(SystemExit, match="not projection tables of career: outbox, accounts"):
        await rebuild(platform, parts, "career-workers", ["outbox", "accounts"])
