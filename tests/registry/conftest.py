"""The registry under test: its real ASGI app with lifespan (database, NATS link, outbox
relay) on a fresh SQLite or PostgreSQL database, reached over httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from cwp_common.settings import PlatformSettings
from cwp_registry.app import create_app
from cwp_registry.config import Settings
from tests.registry.helpers import SH_1, id_number
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens

TABLES = ("communities", "workers", "worker_transfers", "outbox")
PROBLEM = "application/problem+json"


@dataclass
class Registry:
    client: httpx.AsyncClient
    app: FastAPI
    tokens: Tokens

    def auth(self, *roles: str, region: str = "", subject: str = "tester") -> dict[str, str]:
        return self.tokens.headers(list(roles) or ["operator"], region, subject)

    async def counts(self) -> dict[str, int]:
        """Row counts of every table a request could write to."""
        async with self.app.state.runtime.sessions() as s:
            return {
                t: int(await s.scalar(select(func.count()).select_from(text(t))) or 0)
                for t in TABLES
            }

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.app.state.runtime.sessions() as s:
            return list((await s.execute(text(sql), params)).all())

    async def event_types(self) -> list[str]:
        return [r.type for r in await self.rows("SELECT type FROM outbox ORDER BY seq")]

    async def add_community(self, code: str = SH_1, **fields: Any) -> dict[str, Any]:
        body = {"code": code, "name": f"社区{code[-3:]}", "population": 8000, "households": 3000}
        r = await self.client.post(
            "/api/v1/registry/communities", json=body | fields, headers=self.auth()
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def worker_body(self, community_code: str = SH_1, **fields: Any) -> dict[str, Any]:
        return {
            "name": "张三",
            # Born where they serve, when the code is usable as an address code.
            "id_number": id_number(
                area=community_code[:6] if len(community_code) == 12 else "310101"
            ),
            "community_code": community_code,
            "position": "full_time_worker",
            "hire_date": "2020-03-01",
        } | fields

    async def add_worker(self, community_code: str = SH_1, **fields: Any) -> dict[str, Any]:
        r = await self.client.post(
            "/api/v1/registry/workers",
            json=self.worker_body(community_code, **fields),
            headers=self.auth(),
        )
        assert r.status_code == 201, r.text
        return dict(r.json())


@asynccontextmanager
async def start_registry(
    url: str, platform: PlatformSettings, tokens: Tokens, **settings: Any
) -> AsyncIterator[Registry]:
    """One registry process (a replica, when several share the database). Its consumer
    of career's events and its contract reminder job are off unless a test asks for them
    (they have tests of their own), as career's tests run without consumers."""
    quiet = {"consume_events": False, "contract_reminders": False, "count_fold": False}
    app = create_app(Settings(database_url=url, **(quiet | settings)), platform, create_schema=True)
    async with running(app) as client:
        yield Registry(client, app, tokens)


@pytest.fixture
async def registry(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Registry]:
    url = await fresh_database(backend, "registry", tmp_path)
    async with start_registry(url, platform_settings, tokens) as reg:
        yield reg


def assert_problem(r: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = dict(r.json())
    assert body["type"] == f"urn:cwp:problem:{slug}", body
    assert body["status"] == status
    assert body.get("detail"), "a problem must say what is wrong"
    return body


def years_ago(years: int, today: date | None = None) -> date:
    today = today or date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))
