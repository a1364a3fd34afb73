"""GET /api/v1/me: the worker's home screen from the registry and career (real services
over HTTP), with payroll down and training hanging: the answer comes within the deadline,
names the missing parts, and is compact, tagged (304 on a repeat) and gzipped when large."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from starlette.requests import Request

from cwp_career.app import create_app as create_career
from cwp_career.config import Settings as CareerSettings
from cwp_common.keys import ensure_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings
from cwp_gateway.me.compact import GZIP_FROM_BYTES, compact_response
from tests.career.helpers import register
from tests.gateway.conftest import STRONG, make_user
from tests.gateway.servers import serve, unused_port
from tests.gateway.stack import COMMUNITY, Stack, gateway_and_registry
from tests.support.databases import fresh_database
from tests.support.tokens import login

# Long enough for the real services to answer while the suite loads every core (at 0.8 s
# career's part timed out); the hanging one never does.
DEADLINE = 2.5


def hanging_service() -> FastAPI:
    """Stands in for a training service that accepts connections and never answers."""
    app = FastAPI()
    router = APIRouter()

    @router.get("/{rest:path}")
    async def hang(rest: str) -> dict[str, str]:
        await asyncio.sleep(30)
        return {}

    app.include_router(router)
    return app


@pytest.fixture
async def career_app(
    backend: str, tmp_path: Path, platform: PlatformSettings, settings: Settings
) -> FastAPI:
    ensure_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    url = await fresh_database(backend, "career", tmp_path)
    return create_career(
        CareerSettings(database_url=url, consume_events=False, daily_regrade=False),
        platform,
        create_schema=True,
    )


@pytest.fixture
async def stack(
    backend: str,
    tmp_path: Path,
    settings: Settings,
    platform: PlatformSettings,
    career_app: FastAPI,
) -> AsyncIterator[Stack]:
    async with (
        serve(career_app) as career_url,
        serve(hanging_service()) as training_url,
        gateway_and_registry(
            backend,
            tmp_path,
            settings,
            platform,
            career_url=career_url,
            training_url=training_url,
            payroll_url=f"http://127.0.0.1:{unused_port()}",
            me_deadline_seconds=DEADLINE,
        ) as s,
    ):
        yield s


async def worker_login(stack: Stack, career_app: FastAPI) -> tuple[str, dict[str, str]]:
    me = await stack.add_worker()
    await register(career_app, worker_id=me["id"], community_code=COMMUNITY)
    body = {"username": "li.na", "password": STRONG, "roles": ["worker"], "worker_id": me["id"]}
    assert (
        await stack.gateway.post("/api/v1/auth/users", json=body, headers=stack.admin)
    ).status_code == 201
    return me["id"], await login(stack.gateway, "li.na", STRONG)


async def test_home_answers_in_time_and_names_what_is_missing(
    stack: Stack, career_app: FastAPI
) -> None:
    worker_id, mine = await worker_login(stack, career_app)
    started = time.monotonic()
    r = await stack.gateway.get("/api/v1/me", headers=mine)
    elapsed = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert elapsed < DEADLINE + 1.0
    body = r.json()
    assert body["worker_id"] == worker_id
    assert body["profile"]["id"] == worker_id
    assert "*" in body["profile"]["id_number"]
    assert "birth_date" not in body["profile"]
    assert body["grade"]["grade"] is not None
    assert "next_step_date" in body["grade"]
    assert body["latest_assessment"] is None
    assert body["missing"] == {
        "payslips": "unavailable",
        "training": "timeout",
        "qualifications": "timeout",
    }
    assert b'": ' not in r.content  # compact: no spaces after separators
    assert b'", "' not in r.content
    again = await stack.gateway.get(
        "/api/v1/me", headers=mine | {"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_grades_list_and_a_down_service_list(stack: Stack, career_app: FastAPI) -> None:
    _, mine = await worker_login(stack, career_app)
    grades = await stack.gateway.get("/api/v1/me/grades", headers=mine)
    assert grades.status_code == 200, grades.text
    assert grades.json()["items"]
    payslips = await stack.gateway.get("/api/v1/me/payslips", headers=mine)
    assert payslips.status_code == 503
    assert payslips.json()["type"] == "urn:cwp:problem:part-unavailable"
    assert payslips.headers["retry-after"]


async def test_staff_accounts_have_no_me(stack: Stack) -> None:
    staff = await make_user(stack.gateway, stack.admin, "sh.viewer", ["viewer"], "31")
    r = await stack.gateway.get("/api/v1/me", headers=staff)
    assert r.status_code == 403
    assert r.json()["type"] == "urn:cwp:problem:workers-only"
    assert (await stack.gateway.get("/api/v1/me")).status_code == 401


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_large_answers_are_gzipped_for_clients_that_ask() -> None:
    big = {"items": ["x" * 50] * (GZIP_FROM_BYTES // 40)}
    assert (
        compact_response(_request({"Accept-Encoding": "gzip, br"}), big).headers["content-encoding"]
        == "gzip"
    )
    assert "content-encoding" not in compact_response(_request({}), big).headers
    assert (
        "content-encoding"
        not in compact_response(_request({"Accept-Encoding": "gzip;q=0"}), big).headers
    )
    small = compact_response(_request({"Accept-Encoding": "gzip"}), {"a": 1})
    assert "content-encoding" not in small.headers
