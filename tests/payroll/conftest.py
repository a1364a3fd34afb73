"""Payroll test fixtures: the service's ASGI app on a fresh database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set).

`client` is an API-only replica (no consumers, no chunk worker) on the session
nats-server: tests feed events to the handlers directly (helpers.deliver). `replica`
takes chunks from the work queue too, on a nats-server of the test's own, so no other
test's replica can take its jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.settings import PlatformSettings
from cwp_payroll.app import create_app
from cwp_payroll.config import Settings
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.nats_server import NatsServer
from tests.support.tokens import Tokens


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> str:
    return await fresh_database(backend, "payroll", tmp_path)


def settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "consume_events": False,
        "work_chunks": False,
        "demo_region": "",
        "chunk_ack_wait_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app(database_url: str, platform_settings: PlatformSettings) -> FastAPI:
    return create_app(settings(database_url), platform_settings, create_schema=True)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


@pytest.fixture
def own_platform(platform_settings: PlatformSettings, nats_server: NatsServer) -> PlatformSettings:
    return platform_settings.model_copy(
        update={"nats_url": nats_server.url, "nats_credentials_dir": nats_server.credentials_dir}
    )


@pytest.fixture
def replica_app(database_url: str, own_platform: PlatformSettings) -> FastAPI:
    return create_app(settings(database_url, work_chunks=True), own_platform, create_schema=True)


@pytest.fixture
async def replica(replica_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(replica_app) as c:
        yield c


@pytest.fixture
def admin(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["admin", "operator"])


@pytest.fixture
def operator(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["operator"])
