"""Brute-force protection on POST /api/v1/auth/token: a name is locked after too many
failed attempts in a row, for known and unknown names alike, across restarts and replicas.

Time is the gateway's injected clock, so a 900-second lock ends without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cwp_common.db import make_engine, utcnow
from cwp_common.settings import PlatformSettings
from cwp_gateway.accounts.models import LoginFailure
from cwp_gateway.accounts.rules import login_key
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD, STRONG, login, make_user, token_response
from tests.support.apps import running

MAX_FAILURES = 5  # the defaults, which these tests also pin down
LOCKOUT_SECONDS = 900


class Clock:
    """Now, as the gateway sees it; moved forward by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def clocked(settings: Settings, platform: PlatformSettings, clock: Clock) -> FastAPI:
    app = create_app(settings, platform, create_schema=True)
    app.state.gateway.clock = clock
    return app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def gateway(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """Overrides conftest's gateway (and so the `admin` fixture's) with the test clock."""
    async with running(clocked(settings, platform, clock)) as client:
        yield client


def password(username: str, secret: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": secret}


def client_form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


async def fail(client: httpx.AsyncClient, form: dict[str, str], times: int, status: int) -> None:
    for attempt in range(times):
        r = await token_response(client, form)
        assert r.status_code == status, (attempt, r.text)


async def new_client(gateway: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, str]:
    r = await gateway.post(
        "/api/v1/auth/clients",
        json={"name": "Shanghai HR system", "roles": ["viewer"], "region": "31"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def stored_failures(settings: Settings) -> dict[str, tuple[int, datetime | None]]:
    """login_key -> (failures, locked_until), read straight from the database."""
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(LoginFailure.login_key, LoginFailure.failures, LoginFailure.locked_until)
            )
            return {key: (failures, until) for key, failures, until in rows}
    finally:
        await engine.dispose()


def assert_locked(r: httpx.Response, retry_after: int) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == str(retry_after)
    body = r.json()
    assert body["type"] == "urn:cwp:problem:too-many-attempts"
    assert body["status"] == 429
    assert f"try again in {retry_after} seconds" in body["detail"]
    assert "登录失败次数过多" in body["detail"]
    assert "access_token" not in body


async def test_locked_after_max_failures_even_for_the_right_password(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")

    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)
    last = await token_response(gateway, password("clerk", "wrong-guess"))
    right = await token_response(gateway, password("clerk", STRONG))
    wrong = await token_response(gateway, password("clerk", "wrong-guess"))

    assert last.json()["type"] == "urn:cwp:problem:invalid-grant"  # the Nth still says why
    assert_locked(right, LOCKOUT_SECONDS)
    assert_locked(wrong, LOCKOUT_SECONDS)
    assert right.json() == wrong.json()
    await login(gateway, ADMIN, ADMIN_PASSWORD)  # only that name is locked


async def test_the_lock_ends_after_the_period_and_the_streak_starts_over(
    gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")
    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES, 400)

    clock.advance(600)
    assert_locked(await token_response(gateway, password("clerk", STRONG)), 300)
    clock.advance(299.5)
    assert_locked(await token_response(gateway, password("clerk", STRONG)), 1)
    clock.advance(0.5)

    # The lock is over: a fresh streak of N-1 failures does not lock again.
    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)
    await login(gateway, "clerk", STRONG)


async def test_a_success_resets_the_counter(
    gateway: httpx.AsyncClient, admin: dict[str, str], settings: Settings
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")

    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)
    assert (await stored_failures(settings))[login_key("clerk")] == (MAX_FAILURES - 1, None)
    await login(gateway, "clerk", STRONG)
    assert login_key("clerk") not in await stored_failures(settings)

    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)
    await login(gateway, "clerk", STRONG)  # 2N-2 failures in all, but never N in a row
    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES, 400)
    assert_locked(await token_response(gateway, password("clerk", STRONG)), LOCKOUT_SECONDS)


async def test_failures_older_than_the_period_no_longer_count(
    gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")

    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)
    clock.advance(LOCKOUT_SECONDS)
    await fail(gateway, password("clerk", "wrong-guess"), MAX_FAILURES - 1, 400)

    await login(gateway, "clerk", STRONG)


async def test_client_credentials_are_locked_too(
    gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    created = await new_client(gateway, admin)
    client_id, secret = created["client_id"], created["client_secret"]

    await fail(gateway, client_form(client_id, "guessed"), MAX_FAILURES, 401)
    in_form = await token_response(gateway, client_form(client_id, secret))
    in_basic = await token_response(
        gateway,
        {"grant_type": "client_credentials"},
        auth=httpx.BasicAuth(client_id, secret),
    )

    assert_locked(in_form, LOCKOUT_SECONDS)
    assert_locked(in_basic, LOCKOUT_SECONDS)
    # Users and clients are counted apart: a username equal to the client_id is not locked.
    await fail(gateway, password(client_id, "wrong-guess"), 1, 400)

    clock.advance(LOCKOUT_SECONDS)
    r = await token_response(gateway, client_form(client_id, secret))
    assert r.status_code == 200, r.text


async def test_unknown_names_are_locked_exactly_like_real_ones(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")
    created = await new_client(gateway, admin)

    for name in ("clerk", "nobody-here"):
        await fail(gateway, password(name, "wrong-guess"), MAX_FAILURES, 400)
    for client_id in (created["client_id"], "cwp-0000000000000000"):
        await fail(gateway, client_form(client_id, "guessed"), MAX_FAILURES, 401)
    known = await token_response(gateway, password("clerk", STRONG))
    unknown = await token_response(gateway, password("nobody-here", STRONG))
    known_client = await token_response(gateway, client_form(created["client_id"], "guessed"))
    unknown_client = await token_response(gateway, client_form("cwp-0000000000000000", "x"))

    for r in (known, unknown, known_client, unknown_client):
        assert_locked(r, LOCKOUT_SECONDS)
    assert known.json() == unknown.json() == known_client.json() == unknown_client.json()
    assert known.headers["retry-after"] == unknown.headers["retry-after"]


async def test_a_disabled_account_answers_as_before_and_locks_like_any_other(
    gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    await make_user(gateway, admin, "leaver", ["viewer"], "31")
    r = await gateway.patch("/api/v1/auth/users/leaver", json={"disabled": True}, headers=admin)
    assert r.status_code == 200, r.text

    right = await token_response(gateway, password("leaver", STRONG))
    wrong = await token_response(gateway, password("leaver", "wrong-guess"))
    assert right.status_code == 400
    assert right.json()["type"] == "urn:cwp:problem:account-disabled"
    assert wrong.json()["type"] == "urn:cwp:problem:invalid-grant"

    await fail(gateway, password("leaver", "wrong-guess"), MAX_FAILURES - 1, 400)
    # Locked: the right password learns neither that it is right nor that the account is off.
    assert_locked(await token_response(gateway, password("leaver", STRONG)), LOCKOUT_SECONDS)

    clock.advance(LOCKOUT_SECONDS)
    again = await token_response(gateway, password("leaver", STRONG))
    assert again.json()["type"] == "urn:cwp:problem:account-disabled"


async def test_the_count_survives_a_restart_and_is_shared_by_replicas(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> None:
    form = password(ADMIN, "wrong-guess")
    async with (
        running(clocked(settings, platform, clock)) as first,
        running(clocked(settings, platform, clock)) as second,
    ):
        await fail(first, form, 2, 400)
        await fail(second, form, MAX_FAILURES - 2, 400)
        assert_locked(await token_response(first, password(ADMIN, ADMIN_PASSWORD)), 900)

    clock.advance(100)
    async with running(clocked(settings, platform, clock)) as restarted:
        assert_locked(await token_response(restarted, password(ADMIN, ADMIN_PASSWORD)), 800)


async def test_concurrent_failures_are_all_counted(
    gateway: httpx.AsyncClient, settings: Settings
) -> None:
    attempts = 2 * MAX_FAILURES
    answers = await asyncio.gather(
        *(token_response(gateway, password(ADMIN, f"guess-{i}")) for i in range(attempts))
    )

    refused = [r for r in answers if r.status_code == 400]
    assert {r.status_code for r in answers} <= {400, 429}
    failures, locked_until = (await stored_failures(settings))[login_key(ADMIN)]
    assert failures == len(refused) >= MAX_FAILURES  # no increment lost
    assert locked_until is not None
    assert_locked(await token_response(gateway, password(ADMIN, ADMIN_PASSWORD)), 900)


async def test_stale_rows_are_pruned_but_live_locks_are_kept(
    gateway: httpx.AsyncClient, settings: Settings, clock: Clock
) -> None:
    await fail(gateway, password("someone-once", "x"), 1, 400)
    await fail(gateway, password("locked-out", "x"), MAX_FAILURES, 400)

    clock.advance(LOCKOUT_SECONDS - 1)
    await fail(gateway, password("a-newcomer", "x"), 1, 400)
    assert set(await stored_failures(settings)) == {
        login_key("someone-once"),
        login_key("locked-out"),
        login_key("a-newcomer"),
    }

    clock.advance(1)
    await fail(gateway, password("another-one", "x"), 1, 400)
    assert set(await stored_failures(settings)) == {
        login_key("a-newcomer"),
        login_key("another-one"),
    }


async def test_the_limits_come_from_the_settings(
    settings: Settings, platform: PlatformSettings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("GATEWAY_LOGIN_LOCKOUT_SECONDS", "60")
    from_env = Settings()
    assert (from_env.login_max_failures, from_env.login_lockout_seconds) == (2, 60)
    assert (
        Settings.model_fields["login_max_failures"].default,
        Settings.model_fields["login_lockout_seconds"].default,
    ) == (MAX_FAILURES, LOCKOUT_SECONDS)

    strict = settings.model_copy(update={"login_max_failures": 1, "login_lockout_seconds": 60})
    async with running(clocked(strict, platform, clock)) as client:
        await fail(client, password(ADMIN, "wrong-guess"), 1, 400)
        assert_locked(await token_response(client, password(ADMIN, ADMIN_PASSWORD)), 60)
        clock.advance(60)
        await login(client, ADMIN, ADMIN_PASSWORD)
