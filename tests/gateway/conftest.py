"""Gateway fixtures: its settings on the `backend` database, dev keys of its own (the
gateway makes them at start, as in dev mode), and helpers to sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from cwp_common.db import utcnow
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from tests.support.answers import json_object
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.nats_server import NatsServer
from tests.support.tokens import AUDIENCE, ISSUER, login

ADMIN = "root-admin"
ADMIN_PASSWORD = "a-long-admin-password"
STRONG = "correct horse battery"  # a password that passes the length rule


@pytest.fixture
async def platform(tmp_path: Path, session_nats: NatsServer) -> PlatformSettings:
    # The server is shared by the session: an earlier test's revocations (its admin
    # disabled a second ago) must not be replayed against this test's fresh accounts.
    nc = await session_nats.connect()
    try:
        await nc.jetstream().purge_stream("GATEWAY")
    except NotFoundError:
        pass  # no gateway has created it yet
    finally:
        await nc.close()
    return PlatformSettings(
        env="dev",
        nats_url=session_nats.url,  # the gateway publishes account revocations
        jwt_public_key_path=tmp_path / "keys" / "jwt-public.pem",
        nats_credentials_dir=session_nats.credentials_dir,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
async def settings(backend: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=await fresh_database(backend, "gateway", tmp_path),
        jwt_private_key_path=tmp_path / "keys" / "jwt-private.pem",
        admin_username=ADMIN,
        admin_password=ADMIN_PASSWORD,
    )


@pytest.fixture
async def gateway(
    settings: Settings, platform: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, platform, create_schema=True)) as client:
        yield client


async def token_response(
    client: httpx.AsyncClient, form: dict[str, str], **kwargs: object
) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data=form, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def admin(gateway: httpx.AsyncClient) -> dict[str, str]:
    return await login(gateway, ADMIN, ADMIN_PASSWORD)


async def make_user(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    username: str,
    roles: list[str],
    region: str,
    password: str = STRONG,
) -> dict[str, str]:
    """Create a user as `auth` and return the new user's authorization headers."""
    r = await client.post(
        "/api/v1/auth/users",
        json={"username": username, "password": password, "roles": roles, "region": region},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    return await login(client, username, password)


async def new_client(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    roles: tuple[str, ...] = ("viewer",),
    region: str = "31",
) -> dict[str, str]:
    """Create an API client as `auth`; the answer holds client_id and client_secret."""
    r = await client.post(
        "/api/v1/auth/clients",
        json={"name": "Shanghai HR system", "roles": list(roles), "region": region},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    return json_object(r)


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await token_response(client, form)


class Clock:
    """Now, as the gateway sees it (its sign-in throttle and secret grace); moved forward
    by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def clocked(settings: Settings, platform: PlatformSettings, clock: Clock) -> FastAPI:
    """A gateway app (not started) that reads the time from `clock`."""
    app = create_app(settings, platform, create_schema=True)
    app.state.gateway.clock = clock
    return app
