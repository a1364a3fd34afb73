"""Switching an account off stops its tokens on every service within seconds, across
real processes: the gateway publishes the revocation, the registry and the career
service (called directly, not through the gateway) refuse the old token, and a service
that restarts still refuses it (it replays the revocations that can still matter)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support.processes import ADMIN_PASSWORD, Platform
from tests.support.tokens import login

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-password-for-e2e"
WINDOW_SECONDS = 5.0  # what the README promises, with room for a loaded test machine


def direct_reads(platform: Platform) -> list[str]:
    """A read on each service, straight to its own port."""
    return [
        f"{platform.services['registry'].url}/api/v1/registry/communities",
        f"{platform.services['career'].url}/api/v1/career/ladders",
    ]


async def status_of(url: str, auth: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=5) as c:
        return (await c.get(url, headers=auth)).status_code


async def seconds_until_refused(url: str, auth: dict[str, str], limit: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if await status_of(url, auth) == 401:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} still accepts the token after {limit} s")


async def new_user(client: httpx.AsyncClient, admin: dict[str, str], name: str) -> None:
    r = await client.post(
        "/api/v1/auth/users",
        headers=admin,
        json={"username": name, "password": PASSWORD, "roles": ["viewer"], "region": "31"},
    )
    assert r.status_code == 201, r.text


async def admin_and_newcomer(
    client: httpx.AsyncClient, name: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The admin's headers, and those of a new viewer `name` it has just created."""
    admin = await login(client, "admin", ADMIN_PASSWORD)
    await new_user(client, admin, name)
    return admin, await login(client, name, PASSWORD)


async def test_a_disabled_users_token_is_refused_by_every_service_within_seconds(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    admin, token = await admin_and_newcomer(client, "leaver")
    assert [await status_of(url, token) for url in direct_reads(platform)] == [200, 200]

    r = await client.patch("/api/v1/auth/users/leaver", json={"disabled": True}, headers=admin)
    assert r.status_code == 200, r.text
    waits = [await seconds_until_refused(u, token, WINDOW_SECONDS) for u in direct_reads(platform)]

    print(f"revocation reached registry, career after {waits[0]:.2f} s, {waits[1]:.2f} s")
    via_gateway = await client.get("/api/v1/registry/communities", headers=token)
    assert via_gateway.status_code == 401
    assert via_gateway.json()["type"] == "urn:cwp:problem:unauthorized"
    assert "revoked" in via_gateway.json()["detail"]


async def test_a_role_change_revokes_and_a_restarted_service_still_refuses(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    admin, old = await admin_and_newcomer(client, "mover")
    career = direct_reads(platform)[1]
    assert await status_of(career, old) == 200

    r = await client.patch(
        "/api/v1/auth/users/mover", json={"roles": ["viewer", "operator"]}, headers=admin
    )
    assert r.status_code == 200, r.text
    await seconds_until_refused(career, old, WINDOW_SECONDS)
    new = await login(client, "mover", PASSWORD)  # signed after the change: accepted
    platform.stop_service("career")
    platform.start_service("career")

    # Ready means the replay of recent revocations has been read to its end.
    async with httpx.AsyncClient(timeout=5) as c:
        for _ in range(100):
            if (await c.get(f"{platform.services['career'].url}/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
    assert await status_of(career, old) == 401
    assert await status_of(career, new) == 200


async def test_a_client_whose_secret_is_replaced_without_grace_loses_its_tokens(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    admin = await login(client, "admin", ADMIN_PASSWORD)
    created = await client.post(
        "/api/v1/auth/clients",
        headers=admin,
        json={"name": "Shanghai HR system", "roles": ["viewer"], "region": "31"},
    )
    assert created.status_code == 201, created.text
    system = created.json()
    r = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": system["client_id"],
            "client_secret": system["client_secret"],
        },
    )
    token = {"Authorization": f"Bearer {r.json()['access_token']}"}
    registry = direct_reads(platform)[0]
    assert await status_of(registry, token) == 200

    rotated = await client.post(
        f"/api/v1/auth/clients/{system['client_id']}/secret",
        json={"grace_seconds": 0},
        headers=admin,
    )

    assert rotated.status_code == 200, rotated.text
    await seconds_until_refused(registry, token, WINDOW_SECONDS)


async def test_gateway_metrics_only_on_its_internal_listener(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    internal = f"http://127.0.0.1:{platform.env['GATEWAY_INTERNAL_PORT']}"
    async with httpx.AsyncClient(timeout=5) as c:
        private = await c.get(f"{internal}/metrics")
        nothing_else = await c.get(f"{internal}/api/v1/auth/users")

    public = await client.get("/metrics")
    docs = await client.get("/openapi.json")

    assert public.status_code == 404
    assert private.status_code == 200
    assert "http_requests_total" in private.text
    assert nothing_else.status_code == 404
    assert docs.status_code == 200  # the public API documentation stays public
