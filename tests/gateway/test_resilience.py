"""The proxy against upstreams that misbehave, over real TCP: one that answers garbage,
one that drops the first connection (an idempotent call is retried, a POST is not), one
that is down (the circuit opens and calls stop reaching it); rate limits per account
(429 with Retry-After); CORS for the mobile web app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from cwp_common.keys import generate_keypair
from cwp_common.serve import SERVER_OPTIONS
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD
from tests.gateway.servers import raw_server, serve, unused_port
from tests.support.tokens import login

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))


@asynccontextmanager
async def gateway_to(
    settings: Settings, platform: PlatformSettings, registry_url: str, **extra: object
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    if not settings.jwt_private_key_path.exists():
        generate_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    app = create_app(
        settings.model_copy(
            update={
                "registry_url": registry_url,
                "career_url": f"http://127.0.0.1:{unused_port()}",
                "upstream_timeout_seconds": 2.0,
                "breaker_failures": 3,
                "breaker_cooldown_seconds": 30,
                "cors_origins": ["https://app.example.cn"],
                **extra,
            }
        ),
        platform,
        create_schema=True,
    )
    async with (
        serve(app, **SERVER_OPTIONS) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client, await login(client, ADMIN, ADMIN_PASSWORD)


async def test_garbage_from_the_service_is_a_502_problem(
    settings: Settings, platform: PlatformSettings
) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"\x00\xffnot http at all\r\n\r\n")
        await writer.drain()

    async with raw_server(garbage) as (url, _), gateway_to(settings, platform, url) as (c, auth):
        r = await c.get("/api/v1/registry/workers", headers=auth)
        assert r.status_code == 502
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "urn:cwp:problem:upstream-unavailable"


async def test_a_small_answer_cut_short_is_a_502_not_a_cut_answer(
    settings: Settings, platform: PlatformSettings
) -> None:
    """A small answer is read whole before any of it goes on: when the service closes
    the connection halfway, the caller gets a clear 502, not a truncated 200."""

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b'Content-Length: 100\r\n\r\n{"half":')
        await writer.drain()

    async with raw_server(cut) as (url, _), gateway_to(settings, platform, url) as (c, auth):
        r = await c.get("/api/v1/registry/workers", headers=auth)
        assert r.status_code == 502
        assert r.json()["type"] == "urn:cwp:problem:upstream-unavailable"


async def test_an_idempotent_call_is_retried_once_a_post_never(
    settings: Settings, platform: PlatformSettings
) -> None:
    async def drops_every_other(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int
    ) -> None:
        await read_request(reader)
        if n % 2 == 0:
            return  # closed without a word
        writer.write(OK)
        await writer.drain()

    async with (
        raw_server(drops_every_other) as (url, seen),
        gateway_to(settings, platform, url) as (c, auth),
    ):
        r = await c.get("/api/v1/registry/workers", headers=auth)
        assert r.status_code == 200
        assert len(seen) == 2
        r = await c.post("/api/v1/registry/workers", json={}, headers=auth)
        assert r.status_code == 502
        assert len(seen) == 3


async def test_a_down_service_opens_its_circuit(
    settings: Settings, platform: PlatformSettings
) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with raw_server(refuse) as (url, seen), gateway_to(settings, platform, url) as (c, auth):
        statuses = [
            (await c.get("/api/v1/registry/workers", headers=auth)).status_code for _ in range(5)
        ]
        assert statuses == [503, 503, 503, 503, 503]
        assert len(seen) == 3  # the last two never reached it
        r = await c.get("/api/v1/registry/workers", headers=auth)
        assert r.json()["type"] == "urn:cwp:problem:upstream-circuit-open"
        assert 0 < int(r.headers["retry-after"]) <= 30
        # Another service's circuit is its own.
        other = await c.get("/api/v1/career/ladders", headers=auth)
        assert other.json()["type"] == "urn:cwp:problem:upstream-unavailable"


async def test_an_account_over_its_rate_gets_429(
    settings: Settings, platform: PlatformSettings
) -> None:
    async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(OK)
            await writer.drain()

    async with (
        raw_server(ok) as (url, _),
        gateway_to(settings, platform, url, user_rate=0.5, user_burst=3) as (c, auth),
    ):
        statuses = [
            (await c.get("/api/v1/registry/workers", headers=auth)).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        r = await c.get("/api/v1/registry/workers", headers=auth)
        assert r.json()["type"] == "urn:cwp:problem:rate-limited"
        assert int(r.headers["retry-after"]) >= 1
        # Another account has its own allowance.
        other = {"Authorization": "Bearer not-a-token"}  # counted by address instead
        assert (await c.get("/api/v1/registry/workers", headers=other)).status_code == 200


async def test_the_applicants_public_path_needs_no_token_and_is_limited_per_address(
    settings: Settings, platform: PlatformSettings
) -> None:
    """Only the recruitment's public path goes through without a token; it has its own
    per-address allowance, far below an account's, and a token does not lift it."""

    async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(OK)
            await writer.drain()

    public = "/api/v1/registry/recruitment/public/rounds/00000000-0000-0000-0000-000000000000"
    async with (
        raw_server(ok) as (url, seen),
        gateway_to(settings, platform, url, public_rate=0.1, public_burst=2) as (c, auth),
    ):
        r = await c.get("/api/v1/registry/recruitment/rounds")
        assert r.status_code == 401
        assert not seen, "a tokenless call elsewhere never reaches the service"
        statuses = [(await c.get(public)).status_code for _ in range(2)]
        statuses.append((await c.post(f"{public}/applications", json={}, headers=auth)).status_code)
        assert statuses == [200, 200, 429]
        assert len(seen) >= 1
        # The address's allowance is the public path's alone: staff calls go on.
        assert (await c.get("/api/v1/registry/workers", headers=auth)).status_code == 200


@pytest.mark.parametrize(
    ("origin", "allowed"), [("https://app.example.cn", True), ("https://evil.example", False)]
)
async def test_cors_lets_the_mobile_web_app_in(
    settings: Settings, platform: PlatformSettings, tmp_path: Path, origin: str, allowed: bool
) -> None:
    async with gateway_to(settings, platform, f"http://127.0.0.1:{unused_port()}") as (c, _):
        r = await c.options(
            "/api/v1/me",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert (r.headers.get("access-control-allow-origin") == origin) is allowed
