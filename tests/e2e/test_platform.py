"""The platform end to end: real gateway, registry and career processes over real HTTP,
sharing events over a real nats-server."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.ids import resident_id
from tests.support.processes import ADMIN_PASSWORD, Platform
from tests.support.tokens import login

pytestmark = pytest.mark.e2e

SHANGHAI = "310101002001"
GUANGDONG = "440103001001"


async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "admin", ADMIN_PASSWORD)


async def ensure_community(client: httpx.AsyncClient, auth: dict[str, str], code: str) -> None:
    r = await client.post(
        "/api/v1/registry/communities",
        headers=auth,
        json={"code": code, "name": f"社区{code}", "population": 5000, "households": 1800},
    )
    assert r.status_code in (201, 409), r.text


async def register(
    client: httpx.AsyncClient, auth: dict[str, str], code: str, seq: int, **extra: Any
) -> httpx.Response:
    body = {
        "name": "李四",
        "id_number": resident_id("110101", date(1985, 6, 12), seq),
        "community_code": code,
        "position": "party_secretary",
        "education": "bachelor",
        "hire_date": "2014-01-01",
        **extra,
    }
    return await client.post("/api/v1/registry/workers", headers=auth, json=body)


async def eventually(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], timeout: float = 15
) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get(url, headers=auth)
        if r.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return r
        await asyncio.sleep(0.2)


async def test_worker_registered_through_gateway_is_graded_by_career(
    client: httpx.AsyncClient,
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    created = await register(client, auth, SHANGHAI, 11)
    assert created.status_code == 201, created.text
    worker = created.json()
    fetched = await client.get(f"/api/v1/registry/workers/{worker['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "李四"
    graded = await eventually(client, f"/api/v1/career/workers/{worker['id']}", auth)
    assert graded.status_code == 200, graded.text
    career = graded.json()
    # 正职 band starts at 7; hired 2014-01-01 → at least 3 full three-year steps; bachelor +1.
    assert career["grade"] >= 7 + 3 + 1
    assert career["history"], "every grade is explained by a history row"


async def test_region_scope_holds_across_the_gateway(client: httpx.AsyncClient) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, GUANGDONG)
    await ensure_community(client, auth, SHANGHAI)
    gd = await register(client, auth, GUANGDONG, 21)
    assert gd.status_code == 201, gd.text
    r = await client.post(
        "/api/v1/auth/users",
        headers=auth,
        json={
            "username": "sh-op-e2e",
            "password": "a-long-password-123",
            "roles": ["operator"],
            "region": "31",
        },
    )
    assert r.status_code in (201, 409), r.text
    sh = await login(client, "sh-op-e2e", "a-long-password-123")
    assert (
        await client.get(f"/api/v1/registry/workers/{gd.json()['id']}", headers=sh)
    ).status_code == 404
    assert (await register(client, sh, GUANGDONG, 22)).status_code == 403
    listing = await client.get("/api/v1/registry/workers", headers=sh, params={"region": "44"})
    assert listing.status_code == 200
    assert listing.json()["items"] == []
    graded = await eventually(client, f"/api/v1/career/workers/{gd.json()['id']}", auth)
    assert graded.status_code == 200
    assert (
        await client.get(f"/api/v1/career/workers/{gd.json()['id']}", headers=sh)
    ).status_code == 404


async def test_request_id_is_passed_through(client: httpx.AsyncClient, platform: Platform) -> None:
    auth = await admin(client)
    r = await client.get(
        "/api/v1/registry/workers", headers={**auth, "X-Request-ID": "e2e-trace-1"}
    )
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "e2e-trace-1"
    # The access line is written once the response has gone out: give it a moment.
    log = platform.workdir / "registry.log"
    for _ in range(50):
        if "e2e-trace-1" in log.read_text(errors="replace"):
            break
        await asyncio.sleep(0.1)
    assert "e2e-trace-1" in log.read_text(errors="replace")
    generated = await client.get("/api/v1/registry/workers", headers=auth)
    assert len(generated.headers["x-request-id"]) >= 16


async def test_bad_tokens_and_bodies_are_refused_with_problems(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        r = await client.get("/api/v1/registry/workers", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
    auth = await admin(client)
    r = await client.post(
        "/api/v1/registry/workers",
        headers={**auth, "Content-Type": "application/json"},
        content=b'{"name": ',
    )
    assert r.status_code == 400
    assert r.json()["type"] == "urn:cwp:problem:malformed-json"
    r = await client.post("/api/v1/registry/workers", headers=auth, content=b"x" * 2_000_000)
    assert r.status_code == 413


async def test_registry_write_survives_nats_outage_and_career_catches_up(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    platform.nats.stop()
    try:
        created = await register(client, auth, SHANGHAI, 31, position="committee_member")
        assert created.status_code == 201, created.text
    finally:
        platform.nats.start()
    graded = await eventually(
        client, f"/api/v1/career/workers/{created.json()['id']}", auth, timeout=40
    )
    assert graded.status_code == 200, graded.text
    assert graded.json()["grade"] >= 1
