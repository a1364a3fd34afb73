"""A worker's account follows the registry (real registry, real NATS, the gateway's
durable): a transfer moves the account's region to the new community, an exit disables
it; both revoke the tokens it holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cwp_common.settings import PlatformSettings
from cwp_gateway.accounts.models import Account, AuditEntry, Kind
from cwp_gateway.config import Settings
from tests.gateway.conftest import STRONG
from tests.gateway.stack import OTHER_COMMUNITY, Stack, gateway_and_registry
from tests.gateway.webhook_support import module_platform
from tests.support.nats_server import NatsServer
from tests.support.tokens import login

USERS = "/api/v1/auth/users"


@pytest.fixture
async def platform(tmp_path: Path, module_nats: NatsServer) -> PlatformSettings:
    return await module_platform(tmp_path, module_nats)


@pytest.fixture
async def stack(
    backend: str, tmp_path: Path, settings: Settings, platform: PlatformSettings
) -> AsyncIterator[Stack]:
    async with gateway_and_registry(backend, tmp_path, settings, platform) as s:
        yield s


async def worker_account(stack: Stack, username: str) -> tuple[dict[str, str], str]:
    worker = await stack.add_worker()
    body = {
        "username": username,
        "password": STRONG,
        "roles": ["worker"],
        "worker_id": worker["id"],
    }
    r = await stack.gateway.post(USERS, json=body, headers=stack.admin)
    assert r.status_code == 201, r.text
    return await login(stack.gateway, username, STRONG), worker["id"]


async def account(stack: Stack, username: str) -> Account:
    async with stack.app.state.runtime.sessions() as session:
        row: Account | None = await session.scalar(
            select(Account).where(Account.kind == Kind.USER, Account.login == username)
        )
    assert row is not None
    return row


async def until(stack: Stack, username: str, test: object, timeout: float = 90) -> Account:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await account(stack, username)
        if test(row):  # type: ignore[operator]
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"account {username} never changed: {row.region} {row.disabled}")
        await asyncio.sleep(0.1)


async def refused(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    """The revocation reaches the gateway's own token check through NATS too."""
    for _ in range(300):
        r = await client.get("/api/v1/me", headers=headers)
        if r.status_code == 401:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_transferred_worker_account_moves_and_its_old_token_stops(stack: Stack) -> None:
    token, worker_id = await worker_account(stack, "li.na")
    assert (await stack.gateway.get("/api/v1/me", headers=token)).status_code == 200
    r = await stack.gateway.post(
        f"/api/v1/registry/workers/{worker_id}/transfer",
        json={"to_community_code": OTHER_COMMUNITY, "effective_date": "2026-11-01"},
        headers=stack.admin,
    )
    assert r.status_code == 200, r.text

    moved = await until(stack, "li.na", lambda a: a.region == OTHER_COMMUNITY)
    assert not moved.disabled
    assert moved.tokens_not_before is not None
    assert await refused(stack.gateway, token)
    # Signing in again gives a token for the new community.
    fresh = await login(stack.gateway, "li.na", STRONG)
    me = await stack.gateway.get("/api/v1/me", headers=fresh)
    assert me.status_code == 200, me.text
    async with stack.app.state.runtime.sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.target == "li.na"))
        ).all()
    changed = [e for e in entries if e.action == "region_changed"]
    assert len(changed) == 1
    assert changed[0].actor == "registry"
    assert changed[0].detail["to"] == OTHER_COMMUNITY


async def test_an_exited_worker_account_is_disabled_and_its_tokens_revoked(
    stack: Stack,
) -> None:
    token, worker_id = await worker_account(stack, "wang.fang")
    colleague, _ = await worker_account(stack, "zhao.lei")
    r = await stack.gateway.post(
        f"/api/v1/registry/workers/{worker_id}/exit",
        json={"reason": "resignation", "exit_date": "2026-11-30"},
        headers=stack.admin,
    )
    assert r.status_code == 200, r.text

    gone = await until(stack, "wang.fang", lambda a: a.disabled)
    assert gone.tokens_not_before is not None
    assert await refused(stack.gateway, token)
    r = await stack.gateway.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "wang.fang", "password": STRONG},
    )
    assert r.status_code in (400, 401), r.text
    # The colleague is untouched.
    assert (await stack.gateway.get("/api/v1/me", headers=colleague)).status_code == 200
    assert not (await account(stack, "zhao.lei")).disabled
