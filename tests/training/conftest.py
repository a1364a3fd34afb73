"""Training test fixtures: the service's ASGI app on a fresh database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set). The API tests' app does not consume: they
feed registry events to the consumer's own handler (helpers.deliver)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.settings import PlatformSettings
from cwp_training.app import create_app
from cwp_training.config import Settings
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> str:
    return await fresh_database(backend, "training", tmp_path)


@pytest.fixture
def app(database_url: str, platform_settings: PlatformSettings) -> FastAPI:
    settings = Settings(database_url=database_url, consume_events=False, shortfall_job=False)
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
