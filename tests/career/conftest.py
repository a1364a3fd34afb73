"""Career test fixtures: the service's ASGI app on a fresh database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set).

The API tests' app does not consume (CAREER_CONSUME_EVENTS=false, as an API-only
replica runs): they feed events to the same handlers directly (tests/career/helpers.py),
and events other test folders publish on the session nats-server never reach their
projections. test_consumers.py runs the consumers against a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cwp_career.app import create_app
from cwp_career.config import Settings
from cwp_common.settings import PlatformSettings
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> str:
    return await fresh_database(backend, "career", tmp_path)


@pytest.fixture
def app(database_url: str, platform_settings: PlatformSettings) -> FastAPI:
    settings = Settings(database_url=database_url, consume_events=False, daily_regrade=False)
    return create_app(settings, platform_settings, create_schema=True)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


@pytest.fixture
def admin(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["admin"])


@pytest.fixture
def operator(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["operator"])
