"""Refresh tokens: short-lived access tokens, renewed with a refresh token the gateway
can refuse. Each is spent once; a spent one presented again ends its family; any change
that revokes the account's access tokens refuses its refresh tokens too."""

from __future__ import annotations

import httpx
import pytest

from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from tests.gateway.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    STRONG,
    Clock,
    client_token,
    make_user,
    new_client,
    token_response,
)
from tests.support.answers import json_object
from tests.support.apps import running


async def pair(gateway: httpx.AsyncClient, username: str, password: str) -> dict[str, object]:
    r = await token_response(
        gateway, {"grant_type": "password", "username": username, "password": password}
    )
    assert r.status_code == 200, r.text
    return json_object(r)


async def refresh(gateway: httpx.AsyncClient, token: object) -> httpx.Response:
    return await token_response(
        gateway, {"grant_type": "refresh_token", "refresh_token": str(token)}
    )


def bearer(body: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


async def test_a_refresh_token_gives_a_new_pair_once(gateway: httpx.AsyncClient) -> None:
    first = await pair(gateway, ADMIN, ADMIN_PASSWORD)

    second = await refresh(gateway, first["refresh_token"])
    replayed = await refresh(gateway, first["refresh_token"])
    after_replay = await refresh(gateway, second.json()["refresh_token"])

    assert first["refresh_expires_in"] == 12 * 3600
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert (await gateway.get("/api/v1/auth/users", headers=bearer(body))).status_code == 200
    assert replayed.status_code == 400
    assert replayed.json()["type"] == "urn:cwp:problem:invalid-grant"
    # The spent token came back: someone copied it, so its whole family ends.
    assert after_replay.status_code == 400


async def test_changes_to_the_account_refuse_its_refresh_tokens(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")
    await make_user(gateway, admin, "mover", ["viewer"], "31")
    clerk = await pair(gateway, "clerk", STRONG)
    mover = await pair(gateway, "mover", STRONG)

    await gateway.patch("/api/v1/auth/users/clerk", json={"disabled": True}, headers=admin)
    await gateway.patch("/api/v1/auth/users/mover", json={"region": "3101"}, headers=admin)
    disabled = await refresh(gateway, clerk["refresh_token"])
    moved = await refresh(gateway, mover["refresh_token"])
    fresh = await pair(gateway, "mover", STRONG)

    assert disabled.json()["type"] == "urn:cwp:problem:account-disabled"
    assert moved.status_code == 400
    assert "revoked" in moved.json()["detail"]
    assert (await refresh(gateway, fresh["refresh_token"])).status_code == 200


async def test_clients_get_no_refresh_token(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await new_client(gateway, admin)

    answer = await client_token(gateway, created["client_id"], created["client_secret"])

    assert answer.status_code == 200
    assert answer.json()["refresh_token"] is None


@pytest.mark.parametrize(
    ("form", "slug"),
    [
        ({"grant_type": "refresh_token"}, "invalid-request"),
        ({"grant_type": "refresh_token", "refresh_token": ""}, "invalid-request"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, "invalid-grant"),
        ({"grant_type": "refresh_token", "refresh_token": "x" * 5000}, "invalid-grant"),
    ],
)
async def test_bad_refresh_requests(
    gateway: httpx.AsyncClient, form: dict[str, str], slug: str
) -> None:
    r = await token_response(gateway, form)

    assert r.status_code == 400, r.text
    assert r.json()["type"] == f"urn:cwp:problem:{slug}"


async def test_a_refresh_token_expires(settings: Settings, platform: PlatformSettings) -> None:
    clock = Clock()
    short = settings.model_copy(update={"refresh_token_ttl_seconds": 60})
    app = create_app(short, platform, create_schema=True)
    app.state.gateway.clock = clock
    async with running(app) as gateway:
        first = await pair(gateway, ADMIN, ADMIN_PASSWORD)
        clock.advance(59)
        second = await refresh(gateway, first["refresh_token"])
        clock.advance(61)
        late = await refresh(gateway, second.json()["refresh_token"])

    assert first["refresh_expires_in"] == 60
    assert second.status_code == 200
    assert late.status_code == 400
    assert late.json()["type"] == "urn:cwp:problem:invalid-grant"
