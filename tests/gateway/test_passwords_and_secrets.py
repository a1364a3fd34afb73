"""Password change (one's own, with the current password), password reset by an
administrator in scope, and client secret rotation with a grace period the caller chooses
up to the configured limit. Each revokes older tokens where it should and is audited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from cwp_common.db import utcnow
from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings
from tests.gateway.conftest import (
    ADMIN,
    STRONG,
    Clock,
    client_token,
    clocked,
    make_user,
    new_client,
    token_response,
)
from tests.support.apps import running
from tests.support.tokens import login

NEW = "a brand new long passphrase"


@pytest.fixture
async def gateway(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(update={"max_secret_grace_seconds": 3600})
    async with running(clocked(limited, platform, clock)) as client:
        yield client


async def revoked_within(gateway: httpx.AsyncClient, auth: dict[str, str]) -> None:
    for _ in range(100):
        r = await gateway.post("/api/v1/auth/me/password", json={}, headers=auth)
        if r.status_code == 401:
            assert "revoked" in r.json()["detail"]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the old token is still accepted")


def change(old: str, new: str) -> dict[str, str]:
    return {"old_password": old, "new_password": new}


async def test_a_user_changes_its_own_password_and_gets_a_new_token(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    old_token = await make_user(gateway, admin, "clerk", ["viewer"], "31")

    r = await gateway.post("/api/v1/auth/me/password", json=change(STRONG, NEW), headers=old_token)

    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    new_token = {"Authorization": f"Bearer {r.json()['access_token']}"}
    await revoked_within(gateway, old_token)
    old_password = await token_response(
        gateway, {"grant_type": "password", "username": "clerk", "password": STRONG}
    )
    assert old_password.json()["type"] == "urn:cwp:problem:invalid-grant"
    await login(gateway, "clerk", NEW)
    again = await gateway.post(
        "/api/v1/auth/me/password", json=change(NEW, STRONG), headers=new_token
    )
    assert again.status_code == 200  # the token it was given is a real one
    audit = await gateway.get("/api/v1/auth/audit", params={"target": "clerk"}, headers=admin)
    assert [e["action"] for e in audit.json()["items"]][-2:] == ["password_changed"] * 2


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        (change("not my password", NEW), 403, "wrong-password"),
        (change(STRONG, "short"), 422, "validation-error"),
        ({"new_password": NEW}, 422, "validation-error"),
        ({**change(STRONG, NEW), "username": "admin"}, 422, "validation-error"),
        (change(STRONG, "x" * 257), 422, "validation-error"),
    ],
)
async def test_a_bad_password_change_changes_nothing(
    gateway: httpx.AsyncClient,
    admin: dict[str, str],
    body: dict[str, str],
    status: int,
    slug: str,
) -> None:
    token = await make_user(gateway, admin, "clerk", ["viewer"], "31")

    r = await gateway.post("/api/v1/auth/me/password", json=body, headers=token)

    assert r.status_code == status, r.text
    assert r.json()["type"] == f"urn:cwp:problem:{slug}"
    await login(gateway, "clerk", STRONG)


async def test_wrong_current_passwords_are_slowed_like_sign_ins(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    token = await make_user(gateway, admin, "clerk", ["viewer"], "31")
    answers = [
        (
            await gateway.post(
                "/api/v1/auth/me/password", json=change(f"guess-{i}", NEW), headers=token
            )
        ).status_code
        for i in range(5)
    ]

    assert answers == [403, 403, 403, 403, 429]


async def test_clients_have_no_password_here(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin)
    answer = await client_token(gateway, created["client_id"], created["client_secret"])

    r = await gateway.post(
        "/api/v1/auth/me/password",
        json=change("whatever-it-is", NEW),
        headers={"Authorization": f"Bearer {answer.json()['access_token']}"},
    )

    assert r.status_code == 403
    assert r.json()["type"] == "urn:cwp:problem:users-only"


async def test_an_admin_in_scope_resets_a_password_and_the_old_tokens_stop(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    clerk = await make_user(gateway, admin, "clerk", ["viewer"], "31")
    await make_user(gateway, admin, "gd.clerk", ["viewer"], "44")
    await make_user(gateway, admin, "sh.pii", ["viewer", "pii"], "31")

    reset = await gateway.put(
        "/api/v1/auth/users/clerk/password", json={"new_password": NEW}, headers=shanghai
    )
    outside = await gateway.put(
        "/api/v1/auth/users/gd.clerk/password", json={"new_password": NEW}, headers=shanghai
    )
    stronger = await gateway.put(
        "/api/v1/auth/users/sh.pii/password", json={"new_password": NEW}, headers=shanghai
    )
    own = await gateway.put(
        f"/api/v1/auth/users/{ADMIN}/password", json={"new_password": NEW}, headers=admin
    )
    short = await gateway.put(
        "/api/v1/auth/users/clerk/password", json={"new_password": "short"}, headers=shanghai
    )

    assert reset.status_code == 204, reset.text
    await revoked_within(gateway, clerk)
    await login(gateway, "clerk", NEW)
    assert outside.status_code == 404
    assert stronger.status_code == 403  # whoever sets a password acts as that account
    assert stronger.json()["type"] == "urn:cwp:problem:role-escalation"
    assert own.status_code == 409
    assert own.json()["type"] == "urn:cwp:problem:self-change"
    assert short.status_code == 422
    for name in ("gd.clerk", "sh.pii"):
        await login(gateway, name, STRONG)


async def client_sign_in(gateway: httpx.AsyncClient, client_id: str, secret: str) -> int:
    return (await client_token(gateway, client_id, secret)).status_code


async def test_a_rotated_secret_keeps_the_old_one_for_the_grace_period(
    gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    created = await new_client(gateway, admin)
    client_id, old = created["client_id"], created["client_secret"]

    r = await gateway.post(
        f"/api/v1/auth/clients/{client_id}/secret", json={"grace_seconds": 600}, headers=admin
    )

    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    new = r.json()["client_secret"]
    until = datetime.fromisoformat(r.json()["previous_secret_valid_until"])
    assert timedelta(seconds=590) < until - utcnow() <= timedelta(seconds=600)
    assert await client_sign_in(gateway, client_id, old) == 200
    assert await client_sign_in(gateway, client_id, new) == 200
    clock.now = until + timedelta(seconds=1)
    assert await client_sign_in(gateway, client_id, old) == 401
    assert await client_sign_in(gateway, client_id, new) == 200
    audit = await gateway.get("/api/v1/auth/audit", params={"target": client_id}, headers=admin)
    assert audit.json()["items"][-1]["action"] == "secret_rotated"
    assert audit.json()["items"][-1]["detail"] == {"grace_seconds": 600}
    assert old not in audit.text
    assert new not in audit.text


async def test_a_secret_replaced_without_grace_stops_at_once(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin)
    client_id, old = created["client_id"], created["client_secret"]

    r = await gateway.post(
        f"/api/v1/auth/clients/{client_id}/secret", json={"grace_seconds": 0}, headers=admin
    )

    assert r.status_code == 200
    assert r.json()["previous_secret_valid_until"] is None
    assert await client_sign_in(gateway, client_id, old) == 401
    assert await client_sign_in(gateway, client_id, r.json()["client_secret"]) == 200


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"grace_seconds": 3601}, "grace-too-long"),
        ({"grace_seconds": -1}, "validation-error"),
        ({"grace_seconds": "a while"}, "validation-error"),
        ({}, "validation-error"),
    ],
)
async def test_a_bad_rotation_changes_nothing(
    gateway: httpx.AsyncClient, admin: dict[str, str], body: dict[str, object], slug: str
) -> None:
    created = await new_client(gateway, admin)
    client_id, old = created["client_id"], created["client_secret"]

    r = await gateway.post(f"/api/v1/auth/clients/{client_id}/secret", json=body, headers=admin)

    assert r.status_code == 422, r.text
    assert r.json()["type"] == f"urn:cwp:problem:{slug}"
    assert await client_sign_in(gateway, client_id, old) == 200


async def test_rotation_follows_scope_and_roles(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin)
    guangdong = await make_user(gateway, admin, "gd.admin", ["admin", "viewer"], "44")
    viewer = await make_user(gateway, admin, "sh.viewer", ["viewer"], "31")
    path = f"/api/v1/auth/clients/{created['client_id']}/secret"

    outside = await gateway.post(path, json={"grace_seconds": 0}, headers=guangdong)
    not_admin = await gateway.post(path, json={"grace_seconds": 0}, headers=viewer)
    unknown = await gateway.post(
        "/api/v1/auth/clients/cwp-0000000000000000/secret", json={"grace_seconds": 0}, headers=admin
    )

    assert outside.status_code == 404
    assert not_admin.status_code == 403
    assert unknown.status_code == 404
    assert await client_sign_in(gateway, created["client_id"], created["client_secret"]) == 200
