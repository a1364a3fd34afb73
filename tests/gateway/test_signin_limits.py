"""Failed sign-ins on POST /api/v1/auth/token: growing delays per (name, client address),
as OWASP recommends, instead of a lock on the name. A stranger hammering the
administrator's name only slows down the stranger's own address; the administrator signs
in from another address at once. Every `alarm_every` failures of a name write an alarm to
the audit log. Counters are shared by replicas and survive restarts.

Time is the gateway's injected clock, so waits end without sleeping; addresses are the
TCP peer that httpx's ASGI transport reports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cwp_common.db import make_engine
from cwp_common.settings import PlatformSettings
from cwp_gateway.accounts.rules import login_key
from cwp_gateway.config import Settings
from tests.gateway.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    STRONG,
    Clock,
    clocked,
    make_user,
    new_client,
    token_response,
)
from tests.support.tokens import login

FREE = 3  # the defaults, which these tests also pin down
ALARM_EVERY = 10
STRANGER = "203.0.113.9"
OWNER = "198.51.100.7"


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose TCP peer address is `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def app(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> AsyncIterator[FastAPI]:
    async with started(clocked(settings, platform, clock)) as running_app:
        yield running_app


@pytest.fixture
async def gateway(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Overrides conftest's gateway (and so the `admin` fixture's): the test clock, and
    the peer 127.0.0.1."""
    async with at(app, "127.0.0.1") as client:
        yield client


def password(username: str, secret: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": secret}


def client_form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


async def fail(client: httpx.AsyncClient, form: dict[str, str], times: int, status: int) -> None:
    for attempt in range(times):
        r = await token_response(client, form)
        assert r.status_code == status, (attempt, r.text)


async def stored(settings: Settings) -> dict[tuple[str, str], tuple[int, datetime | None]]:
    """(login_key, address) -> (failures, blocked_until), read straight from the database."""
    from cwp_gateway.accounts.models import SignInFailure  # here: the rest runs on old code

    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            c = SignInFailure
            rows = await conn.execute(select(c.login_key, c.address, c.failures, c.blocked_until))
            return {(key, addr): (n, until) for key, addr, n, until in rows}
    finally:
        await engine.dispose()


def assert_waiting(r: httpx.Response, retry_after: int) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == str(retry_after)
    body = r.json()
    assert body["type"] == "urn:cwp:problem:too-many-attempts"
    assert f"try again in {retry_after} seconds" in body["detail"]
    assert "登录失败次数过多" in body["detail"]
    assert "access_token" not in body


async def test_a_stranger_cannot_lock_the_administrator_out(app: FastAPI, clock: Clock) -> None:
    async with at(app, STRANGER) as stranger, at(app, OWNER) as owner:
        answers = []
        for _ in range(40):  # as fast as the stranger likes, and a little slower
            answers.append((await token_response(stranger, password(ADMIN, "guess"))).status_code)
            clock.advance(1)
        right_from_stranger = await token_response(stranger, password(ADMIN, ADMIN_PASSWORD))
        typo_then_right = [
            (await token_response(owner, password(ADMIN, "typo"))).status_code,
            (await token_response(owner, password(ADMIN, ADMIN_PASSWORD))).status_code,
        ]

    assert set(answers) == {400, 429}
    assert answers.count(400) < 15  # the waits grew: most guesses were never checked
    assert right_from_stranger.status_code == 429  # still waiting, right password or not
    assert typo_then_right == [400, 200]


async def test_each_failure_past_the_free_ones_doubles_the_wait(app: FastAPI, clock: Clock) -> None:
    async with at(app, STRANGER) as c:
        await fail(c, password(ADMIN, "guess"), FREE, 400)
        waits = []
        for _ in range(6):
            await fail(c, password(ADMIN, "guess"), 1, 400)
            r = await token_response(c, password(ADMIN, ADMIN_PASSWORD))
            waits.append(int(r.headers["retry-after"]))
            assert_waiting(r, waits[-1])
            clock.advance(waits[-1])
        after_the_wait = await token_response(c, password(ADMIN, ADMIN_PASSWORD))
        # The success ended the streak: the next typos are free again.
        await fail(c, password(ADMIN, "typo"), FREE, 400)
        again = await token_response(c, password(ADMIN, ADMIN_PASSWORD))

    assert waits == [1, 2, 4, 8, 16, 32]
    assert after_the_wait.status_code == 200
    assert again.status_code == 200


async def test_the_wait_is_capped_and_the_streak_forgotten_after_the_window(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> None:
    capped = settings.model_copy(update={"signin_max_delay_seconds": 5})
    async with started(clocked(capped, platform, clock)) as app, at(app, STRANGER) as c:
        waits: list[int] = []
        while len(waits) < 6:  # guess on, waiting out each wait
            r = await token_response(c, password(ADMIN, "guess"))
            if r.status_code == 429:
                waits.append(int(r.headers["retry-after"]))
                clock.advance(waits[-1])
        assert waits == [1, 2, 4, 5, 5, 5]

        clock.advance(settings.signin_window_seconds)
        await fail(c, password(ADMIN, "guess"), FREE, 400)  # a new streak: free again
        assert (await token_response(c, password(ADMIN, ADMIN_PASSWORD))).status_code == 200


async def test_unknown_names_wait_exactly_like_real_ones(
    app: FastAPI, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "clerk", ["viewer"], "31")
    created = await new_client(gateway, admin)
    async with at(app, STRANGER) as c:
        for name in ("clerk", "nobody-here"):
            await fail(c, password(name, "guess"), FREE + 1, 400)
        for client_id in (created["client_id"], "cwp-0000000000000000"):
            await fail(c, client_form(client_id, "guessed"), FREE + 1, 401)
        answers = [
            await token_response(c, password("clerk", STRONG)),
            await token_response(c, password("nobody-here", STRONG)),
            await token_response(c, client_form(created["client_id"], created["client_secret"])),
            await token_response(c, client_form("cwp-0000000000000000", "x")),
        ]

    for r in answers:
        assert_waiting(r, 1)
    assert len({r.text for r in answers}) == 1


async def test_clients_wait_too_and_users_are_counted_apart(
    app: FastAPI, gateway: httpx.AsyncClient, admin: dict[str, str], clock: Clock
) -> None:
    created = await new_client(gateway, admin)
    client_id, secret = created["client_id"], created["client_secret"]
    async with at(app, STRANGER) as c, at(app, OWNER) as owner:
        await fail(c, client_form(client_id, "guessed"), FREE + 1, 401)
        in_basic = await token_response(
            c, {"grant_type": "client_credentials"}, auth=httpx.BasicAuth(client_id, secret)
        )
        # A username equal to the client_id is another name.
        await fail(c, password(client_id, "guess"), 1, 400)
        elsewhere = await token_response(owner, client_form(client_id, secret))
        clock.advance(1)
        later = await token_response(c, client_form(client_id, secret))

    assert_waiting(in_basic, 1)
    assert elsewhere.status_code == 200
    assert later.status_code == 200


async def test_a_disabled_account_says_so_only_after_the_right_secret(
    app: FastAPI, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_user(gateway, admin, "leaver", ["viewer"], "31")
    r = await gateway.patch("/api/v1/auth/users/leaver", json={"disabled": True}, headers=admin)
    assert r.status_code == 200, r.text
    async with at(app, STRANGER) as c:
        wrong = await token_response(c, password("leaver", "guess"))
        right = await token_response(c, password("leaver", STRONG))
        await fail(c, password("leaver", "guess"), FREE + 1, 400)
        waiting = await token_response(c, password("leaver", STRONG))

    assert wrong.json()["type"] == "urn:cwp:problem:invalid-grant"
    assert right.status_code == 400
    assert right.json()["type"] == "urn:cwp:problem:account-disabled"
    assert_waiting(waiting, 1)


async def test_many_failures_of_one_name_raise_an_alarm_in_the_audit_log(
    app: FastAPI, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    shanghai = await make_user(gateway, admin, "sh.admin", ["admin", "viewer"], "31")
    addresses = [f"203.0.113.{i}" for i in range(1, 6)]
    for address in addresses:  # spread over addresses, so no one of them waits
        async with at(app, address) as c:
            await fail(c, password(ADMIN, "guess"), 2, 400)
            await fail(c, password("ghost-name", "guess"), 2, 400)

    national = await gateway.get("/api/v1/auth/audit", headers=admin)
    regional = await gateway.get("/api/v1/auth/audit", headers=shanghai)
    one_name = await gateway.get("/api/v1/auth/audit", params={"target": ADMIN}, headers=admin)

    alarms = [e for e in national.json()["items"] if e["action"] == "sign_in_alarm"]
    assert len(alarms) == 2
    mine, ghost = sorted(alarms, key=lambda e: e["target"] != ADMIN)
    assert mine["target"] == ADMIN
    assert mine["region"] == ""
    assert mine["address"] == addresses[-1]
    assert mine["detail"] == {"failures": ALARM_EVERY, "window_seconds": 3600}
    assert ghost["target"] == login_key("ghost-name")  # an unknown name is kept hashed
    assert "ghost-name" not in national.text
    assert [e["action"] for e in one_name.json()["items"]] == ["sign_in_alarm"]
    assert all(e["action"] != "sign_in_alarm" for e in regional.json()["items"])


async def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    async with started(clocked(proxied, platform, clock)) as app:
        async with at(app, "10.1.2.3") as proxy:
            via = {"X-Forwarded-For": f"{STRANGER}, 10.9.9.9"}
            await fail(proxy, password(ADMIN, "guess"), FREE + 1, 400)
            for _ in range(FREE + 1):  # each proxied request counts for the stranger
                await token_response(proxy, password(ADMIN, "guess"), headers=via)
            stranger = await token_response(proxy, password(ADMIN, "guess"), headers=via)
            owner = await token_response(
                proxy, password(ADMIN, ADMIN_PASSWORD), headers={"X-Forwarded-For": OWNER}
            )
        async with at(app, STRANGER) as direct:
            # Not a trusted proxy: its header is ignored, so rotating it changes nothing.
            for i in range(FREE + 1):
                spoof = {"X-Forwarded-For": f"192.0.2.{i}"}
                await token_response(direct, password("clerk", "guess"), headers=spoof)
            spoofed = await token_response(
                direct, password("clerk", "guess"), headers={"X-Forwarded-For": "192.0.2.200"}
            )

    assert stranger.status_code == 429
    assert owner.status_code == 200
    assert spoofed.status_code == 429


async def test_the_count_survives_a_restart_and_is_shared_by_replicas(
    settings: Settings, platform: PlatformSettings, clock: Clock
) -> None:
    form = password(ADMIN, "wrong-guess")
    async with (
        started(clocked(settings, platform, clock)) as first,
        started(clocked(settings, platform, clock)) as second,
        at(first, STRANGER) as one,
        at(second, STRANGER) as two,
    ):
        await fail(one, form, 2, 400)
        await fail(two, form, 2, 400)  # the 4th failure in all: a wait of 1 s
        assert_waiting(await token_response(one, password(ADMIN, ADMIN_PASSWORD)), 1)

    clock.advance(1)
    async with (
        started(clocked(settings, platform, clock)) as restarted,
        at(restarted, STRANGER) as again,
    ):
        await fail(again, form, 1, 400)  # the 5th: 2 s
        assert_waiting(await token_response(again, password(ADMIN, ADMIN_PASSWORD)), 2)


async def test_concurrent_failures_are_all_counted(app: FastAPI, settings: Settings) -> None:
    attempts = 4 * FREE
    async with at(app, STRANGER) as c:
        answers = await asyncio.gather(
            *(token_response(c, password(ADMIN, f"guess-{i}")) for i in range(attempts))
        )

    refused = [r for r in answers if r.status_code == 400]
    assert {r.status_code for r in answers} <= {400, 429}
    failures, blocked_until = (await stored(settings))[(login_key(ADMIN), STRANGER)]
    assert failures == len(refused) > FREE  # no increment lost
    assert blocked_until is not None


async def test_stale_streaks_are_pruned(app: FastAPI, settings: Settings, clock: Clock) -> None:
    window = settings.signin_window_seconds
    async with at(app, STRANGER) as c:
        await fail(c, password("someone-once", "x"), 1, 400)
        clock.advance(window - 1)
        await fail(c, password("a-newcomer", "x"), 1, 400)
        assert {k for k, _ in await stored(settings)} == {
            login_key("someone-once"),
            login_key("a-newcomer"),
        }
        clock.advance(1)
        await fail(c, password("another-one", "x"), 1, 400)

    assert {k for k, _ in await stored(settings)} == {
        login_key("a-newcomer"),
        login_key("another-one"),
    }


async def test_the_limits_come_from_the_settings(
    settings: Settings, platform: PlatformSettings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_SIGNIN_FREE_FAILURES", "1")
    monkeypatch.setenv("GATEWAY_SIGNIN_BASE_DELAY_SECONDS", "7")
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1")
    from_env = Settings()
    assert (from_env.signin_free_failures, from_env.signin_base_delay_seconds) == (1, 7)
    assert from_env.trusted_proxies == ["10.0.0.0/8", "192.168.1.1"]
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "not-an-address")
    with pytest.raises(ValueError, match="not-an-address"):
        Settings()
    monkeypatch.delenv("GATEWAY_TRUSTED_PROXIES")
    monkeypatch.setenv("GATEWAY_SIGNIN_MAX_DELAY_SECONDS", "7200")
    with pytest.raises(ValueError, match="below the window"):
        Settings()

    strict = settings.model_copy(update={"signin_free_failures": 1, "signin_base_delay_seconds": 7})
    async with started(clocked(strict, platform, clock)) as app, at(app, STRANGER) as c:
        await fail(c, password(ADMIN, "wrong-guess"), 1, 400)
        assert (await token_response(c, password(ADMIN, ADMIN_PASSWORD))).status_code == 200
        await fail(c, password(ADMIN, "wrong-guess"), 2, 400)
        assert_waiting(await token_response(c, password(ADMIN, ADMIN_PASSWORD)), 7)
        clock.advance(7)
        await login(c, ADMIN, ADMIN_PASSWORD)
