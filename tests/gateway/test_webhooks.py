"""Webhooks end to end: events published on real NATS by their producer's user, consumed by
the gateway's durables, delivered over real HTTP to a receiver in the test, signed the
Standard Webhooks way, retried, logged, replayed; and what must be refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cwp_common.db import utcnow
from cwp_common.events.contracts import WorkerExited, WorkerTransferred
from cwp_common.keys import generate_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from cwp_gateway.webhooks.addresses import GuardedResolver, RefusedAddress, check_url
from cwp_gateway.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD, client_token, make_user, new_client
from tests.gateway.webhook_support import (
    Receiver,
    module_platform,
    publish,
    receiver,
    registered,
    verify,
)
from tests.support.apps import running
from tests.support.nats_server import NatsServer
from tests.support.tokens import login

REGISTERED = "registry.worker.registered.v1"
EXITED = "registry.worker.exited.v1"
TRANSFERRED = "registry.worker.transferred.v1"
FAST = {"webhook_retry_base_seconds": 0.2, "webhook_poll_seconds": 0.1}


@pytest.fixture
async def platform(tmp_path: Path, module_nats: NatsServer) -> PlatformSettings:
    return await module_platform(tmp_path, module_nats)


@pytest.fixture
async def gw(settings: Settings, platform: PlatformSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=FAST), platform, create_schema=True)
    async with running(app) as client:
        yield client


@pytest.fixture
async def hooks() -> AsyncIterator[Receiver]:
    async with receiver() as r:
        yield r


async def client_headers(
    gw: httpx.AsyncClient, admin: dict[str, str], region: str, roles: tuple[str, ...]
) -> dict[str, str]:
    created = await new_client(gw, admin, roles=roles, region=region)
    r = await client_token(gw, created["client_id"], created["client_secret"])
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def subscribe(
    gw: httpx.AsyncClient, headers: dict[str, str], url: str, events: list[str]
) -> dict[str, Any]:
    r = await gw.post("/api/v1/webhooks", json={"url": url, "events": events}, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliveries(
    gw: httpx.AsyncClient, headers: dict[str, str], sub_id: str
) -> list[dict[str, Any]]:
    r = await gw.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def wait_log(
    gw: httpx.AsyncClient, headers: dict[str, str], sub_id: str, status: str, count: int = 1
) -> list[dict[str, Any]]:
    for _ in range(600):
        items = await deliveries(gw, headers, sub_id)
        if sum(1 for d in items if d["status"] == status) >= count:
            return items
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {status} delivery: {items}")


async def test_delivered_signed_within_scope_and_without_personal_data_unless_pii(
    gw: httpx.AsyncClient, module_nats: NatsServer, hooks: Receiver
) -> None:
    admin = await login(gw, ADMIN, ADMIN_PASSWORD)
    plain = await client_headers(gw, admin, "31", ("viewer",))
    with_pii = await client_headers(gw, admin, "31", ("viewer", "pii"))
    elsewhere = await client_headers(gw, admin, "44", ("viewer", "pii"))
    a = await subscribe(gw, plain, f"{hooks.url}/plain", [REGISTERED])
    b = await subscribe(gw, with_pii, f"{hooks.url}/pii", [REGISTERED, EXITED])
    c = await subscribe(gw, elsewhere, f"{hooks.url}/elsewhere", [REGISTERED])

    shanghai = await publish(module_nats, registered("310101002001"))
    guangdong = await publish(module_nats, registered("440105001001"))
    await hooks.wait_for(
        lambda: (
            len(hooks.at("/plain")) == 1
            and len(hooks.at("/pii")) == 1
            and len(hooks.at("/elsewhere")) == 1
        )
    )

    # Each got only its own region's event, signed with its own secret.
    got_a, got_b, got_c = hooks.at("/plain")[0], hooks.at("/pii")[0], hooks.at("/elsewhere")[0]
    assert got_a.headers["webhook-id"] == shanghai.id == got_b.headers["webhook-id"]
    assert got_c.headers["webhook-id"] == guangdong.id
    assert verify(a["secret"], got_a)
    assert verify(b["secret"], got_b)
    assert verify(c["secret"], got_c)
    assert not verify(b["secret"], got_a)  # one subscriber's secret proves nothing for another
    assert got_a.json["type"] == REGISTERED
    assert got_a.json["data"]["community_code"] == "310101002001"
    # Personal data only with `pii`: the birth date and the date derived from it.
    assert "birth_date" not in got_a.json["data"]
    assert "retirement_date" not in got_a.json["data"]
    assert got_a.json["data"]["worker_id"] == shanghai.data["worker_id"]
    assert got_b.json["data"]["birth_date"] == "1990-05-17"
    assert abs(int(got_a.headers["webhook-timestamp"]) - utcnow().timestamp()) < 120

    # The delivery log says so; the secret is never shown again.
    log = await wait_log(gw, plain, a["id"], "delivered")
    assert [(d["event_id"], d["attempts"], d["last_status_code"]) for d in log] == [
        (shanghai.id, 1, 200)
    ]
    shown = (await gw.get(f"/api/v1/webhooks/{a['id']}", headers=plain)).json()
    assert "secret" not in shown
    assert shown["events"] == [REGISTERED]

    # An event type not subscribed to is not delivered: b takes exits, a does not.
    exit_data = WorkerExited(
        worker_id=shanghai.data["worker_id"],
        community_code="310101002001",
        reason="resignation",
        exit_date=utcnow().date(),
    )
    await publish(module_nats, exit_data)
    await hooks.wait_for(lambda: len(hooks.at("/pii")) == 2)
    assert hooks.at("/pii")[1].json["type"] == EXITED
    assert len(hooks.at("/plain")) == 1


def transferred(old: str, new: str) -> WorkerTransferred:
    facts = registered(new).model_dump()
    return WorkerTransferred(
        **facts,
        from_community_code=old,
        effective_date=utcnow().date(),
        service_years_carried=True,
    )


async def test_a_transfer_reaches_the_region_the_worker_left_once_and_by_the_same_rules(
    gw: httpx.AsyncClient, module_nats: NatsServer, hooks: Receiver
) -> None:
    """The worker leaves 310101 (黄浦) for 310104 (徐汇): both districts' systems are told,
    Shanghai's once, Guangdong's not; personal data only with `pii`, wherever it goes."""
    admin = await login(gw, ADMIN, ADMIN_PASSWORD)
    old = await client_headers(gw, admin, "310101", ("viewer",))
    old_pii = await client_headers(gw, admin, "310101", ("viewer", "pii"))
    new = await client_headers(gw, admin, "310104", ("viewer",))
    both = await client_headers(gw, admin, "31", ("viewer", "pii"))
    neither = await client_headers(gw, admin, "44", ("viewer", "pii"))
    subs = {
        "/old": await subscribe(gw, old, f"{hooks.url}/old", [TRANSFERRED]),
        "/old-pii": await subscribe(gw, old_pii, f"{hooks.url}/old-pii", [TRANSFERRED]),
        "/new": await subscribe(gw, new, f"{hooks.url}/new", [TRANSFERRED]),
        "/both": await subscribe(gw, both, f"{hooks.url}/both", [TRANSFERRED, REGISTERED]),
        "/neither": await subscribe(gw, neither, f"{hooks.url}/neither", [TRANSFERRED]),
    }
    # Not subscribed to transfers: the old region's registrations-only subscriber.
    only_registered = await subscribe(gw, old, f"{hooks.url}/registered", [REGISTERED])

    move = await publish(module_nats, transferred("310101002001", "310104001001"))
    # A later event to the Guangdong subscriber marks that everything before it was seen.
    await publish(module_nats, transferred("440105001001", "440106001001"))
    await hooks.wait_for(lambda: len(hooks.at("/neither")) == 1)
    await hooks.wait_for(
        lambda: all(len(hooks.at(path)) >= 1 for path in subs if path != "/neither")
    )
    await asyncio.sleep(0.5)  # room for a duplicate, were one to be sent

    for path in ("/old", "/old-pii", "/new", "/both"):
        [got] = hooks.at(path)
        assert got.headers["webhook-id"] == move.id, path
        assert verify(subs[path]["secret"], got), path
        data = got.json["data"]
        assert got.json["type"] == TRANSFERRED
        assert (data["from_community_code"], data["community_code"]) == (
            "310101002001",
            "310104001001",
        )
        # The same personal-data rule for the region left as for the one joined.
        if path in ("/old-pii", "/both"):
            assert data["birth_date"] == "1990-05-17", path
        else:
            assert "birth_date" not in data, path
            assert "retirement_date" not in data, path
    assert hooks.at("/neither")[0].headers["webhook-id"] != move.id
    assert hooks.at("/registered") == []
    logged = await deliveries(gw, both, subs["/both"]["id"])
    assert [d["event_id"] for d in logged] == [move.id]  # one delivery, not one per region
    assert await deliveries(gw, old, only_registered["id"]) == []


async def test_retried_with_backoff_after_server_errors(
    gw: httpx.AsyncClient, module_nats: NatsServer, hooks: Receiver
) -> None:
    admin = await login(gw, ADMIN, ADMIN_PASSWORD)
    client = await client_headers(gw, admin, "31", ("viewer",))
    sub = await subscribe(gw, client, f"{hooks.url}/flaky", [REGISTERED])
    hooks.failures["/flaky"] = 2

    event = await publish(module_nats, registered())
    log = await wait_log(gw, client, sub["id"], "delivered")

    attempts = hooks.at("/flaky")
    assert len(attempts) == 3
    assert {a.headers["webhook-id"] for a in attempts} == {event.id}  # the same message
    assert all(verify(sub["secret"], a) for a in attempts)
    assert log[0]["attempts"] == 3
    assert log[0]["last_status_code"] == 200
    # Backoff: the second wait (0.4 s) is longer than the first (0.2 s).
    t = [int(a.headers["webhook-timestamp"]) for a in attempts]
    assert t[0] <= t[1] <= t[2]


async def test_gives_up_after_the_last_attempt(
    settings: Settings, platform: PlatformSettings, module_nats: NatsServer, hooks: Receiver
) -> None:
    few = settings.model_copy(update=FAST | {"webhook_max_attempts": 2})
    async with running(create_app(few, platform, create_schema=True)) as gw:
        admin = await login(gw, ADMIN, ADMIN_PASSWORD)
        client = await client_headers(gw, admin, "31", ("viewer",))
        sub = await subscribe(gw, client, f"{hooks.url}/down", [REGISTERED])
        hooks.failures["/down"] = 100
        await publish(module_nats, registered())
        log = await wait_log(gw, client, sub["id"], "failed")
    assert log[0]["attempts"] == 2
    assert log[0]["last_status_code"] == 500
    assert len(hooks.at("/down")) == 2


async def test_pending_deliveries_survive_a_restart(
    settings: Settings, platform: PlatformSettings, module_nats: NatsServer, tmp_path: Path
) -> None:
    # The receiver is away: the attempt fails and the delivery waits in the table.
    slow = settings.model_copy(update=FAST | {"webhook_retry_base_seconds": 1.0})
    async with receiver() as away:
        url = away.url
    async with running(create_app(slow, platform, create_schema=True)) as gw:
        admin = await login(gw, ADMIN, ADMIN_PASSWORD)
        client = await client_headers(gw, admin, "31", ("viewer",))
        sub = await subscribe(gw, client, f"{url}/later", [REGISTERED])
        event = await publish(module_nats, registered())
        for _ in range(600):
            log = await deliveries(gw, client, sub["id"])
            if log and log[0]["attempts"] >= 1:
                break
            await asyncio.sleep(0.1)
        assert log[0]["status"] == "pending"
        assert log[0]["last_error"].startswith("connection")

    # A new process on the same database delivers it once the receiver is back.
    port = int(url.rsplit(":", 1)[1])
    async with (
        receiver(port) as back,
        running(create_app(slow, platform, create_schema=True)) as gw,
    ):
        await back.wait_for(lambda: len(back.at("/later")) == 1)
        client = await login_client_again(gw, client)
        log = await wait_log(gw, client, sub["id"], "delivered")
    assert back.at("/later")[0].headers["webhook-id"] == event.id
    assert verify(sub["secret"], back.at("/later")[0])


async def login_client_again(gw: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    """The token stays valid across the restart (same keys)."""
    r = await gw.get("/api/v1/webhooks", headers=headers)
    assert r.status_code == 200, r.text
    return headers


async def test_replay_from_a_point_in_time(
    gw: httpx.AsyncClient, module_nats: NatsServer, hooks: Receiver
) -> None:
    admin = await login(gw, ADMIN, ADMIN_PASSWORD)
    client = await client_headers(gw, admin, "31", ("viewer",))
    sub = await subscribe(gw, client, f"{hooks.url}/replayed", [REGISTERED])
    before = await publish(module_nats, registered())
    await hooks.wait_for(lambda: len(hooks.at("/replayed")) == 1)
    middle = utcnow()
    await asyncio.sleep(0.05)
    after = await publish(module_nats, registered())
    await publish(module_nats, registered("440105001001"))  # outside the client's scope
    await hooks.wait_for(lambda: len(hooks.at("/replayed")) == 2)

    since = (middle).isoformat().replace("+00:00", "Z")
    r = await gw.post(
        f"/api/v1/webhooks/{sub['id']}/replay", params={"since": since}, headers=client
    )
    assert r.status_code == 202, r.text
    assert r.json() == {"queued": 1}
    await hooks.wait_for(lambda: len(hooks.at("/replayed")) == 3)
    again = hooks.at("/replayed")[2]
    assert again.headers["webhook-id"] == after.id != before.id
    assert verify(sub["secret"], again)
    log = await wait_log(gw, client, sub["id"], "delivered", 3)
    assert [d["replay"] for d in log] == [False, False, True]

    # From before both: both again.
    early = (middle - timedelta(minutes=5)).isoformat()
    r = await gw.post(
        f"/api/v1/webhooks/{sub['id']}/replay", params={"since": early}, headers=client
    )
    assert r.status_code == 202
    assert r.json()["queued"] >= 2


async def test_bad_input_is_refused_and_writes_nothing(
    gw: httpx.AsyncClient, settings: Settings, hooks: Receiver
) -> None:
    admin = await login(gw, ADMIN, ADMIN_PASSWORD)
    client = await client_headers(gw, admin, "31", ("viewer",))
    url = f"{hooks.url}/x"
    bad: list[dict[str, Any]] = [
        {"url": url, "events": ["registry.worker.deleted.v1"]},  # no such event
        {"url": url, "events": ["gateway.account.revoked.v1"]},  # not subscribable
        {"url": url, "events": []},
        {"url": url},
        {"events": [REGISTERED]},
        {"url": "ftp://example.org/hook", "events": [REGISTERED]},
        {"url": "not a url", "events": [REGISTERED]},
        {"url": "http://user:pw@example.org/hook", "events": [REGISTERED]},
        {"url": url, "events": [REGISTERED], "colour": "red"},
        {"url": url, "events": "registry.worker.registered.v1"},
        {"url": "https://" + "a" * 2000 + ".org", "events": [REGISTERED]},
    ]
    for body in bad:
        r = await gw.post("/api/v1/webhooks", json=body, headers=client)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await gw.post(
        "/api/v1/webhooks", content=b"{", headers=client | {"content-type": "application/json"}
    )
    assert r.status_code == 400  # unreadable JSON, as everywhere

    # Staff who are neither client nor admin, and callers without a token, may not.
    viewer = await make_user(gw, admin, "hook-viewer", ["viewer"], "31")
    r = await gw.post("/api/v1/webhooks", json={"url": url, "events": [REGISTERED]}, headers=viewer)
    assert r.status_code == 403
    r = await gw.post("/api/v1/webhooks", json={"url": url, "events": [REGISTERED]})
    assert r.status_code == 401

    sub = await subscribe(gw, client, url, [REGISTERED])
    missing = uuid.uuid4()
    for r in (
        await gw.get(f"/api/v1/webhooks/{missing}", headers=client),
        await gw.get("/api/v1/webhooks/not-a-uuid", headers=client),
        await gw.post(
            f"/api/v1/webhooks/{sub['id']}/replay", params={"since": "yesterday"}, headers=client
        ),
        await gw.post(
            f"/api/v1/webhooks/{sub['id']}/replay",
            params={"since": "2026-01-01T00:00:00"},
            headers=client,
        ),
        await gw.post(
            f"/api/v1/webhooks/{sub['id']}/replay",
            params={"since": (utcnow() + timedelta(days=1)).isoformat()},
            headers=client,
        ),
        await gw.post(f"/api/v1/webhooks/{sub['id']}/replay", headers=client),
        await gw.get(
            f"/api/v1/webhooks/{sub['id']}/deliveries", params={"status": "lost"}, headers=client
        ),
    ):
        assert r.status_code in (404, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")

    # Another client, or an admin of another region, neither sees nor deletes it.
    other = await client_headers(gw, admin, "31", ("viewer",))
    guangdong_admin = await make_user(gw, admin, "gd-admin", ["admin"], "44")
    for who in (other, guangdong_admin):
        assert (await gw.get(f"/api/v1/webhooks/{sub['id']}", headers=who)).status_code == 404
        assert (await gw.delete(f"/api/v1/webhooks/{sub['id']}", headers=who)).status_code == 404
        assert (await gw.get("/api/v1/webhooks", headers=who)).json()["items"] == []
    # The national admin sees it; after its deletion nobody does.
    assert [s["id"] for s in (await gw.get("/api/v1/webhooks", headers=admin)).json()["items"]] == [
        sub["id"]
    ]
    assert (await gw.delete(f"/api/v1/webhooks/{sub['id']}", headers=client)).status_code == 204
    assert (await gw.get(f"/api/v1/webhooks/{sub['id']}", headers=client)).status_code == 404
    assert (await gw.get("/api/v1/webhooks", headers=admin)).json()["items"] == []

    # Nothing but the one good subscription was ever written.
    app = gw._transport.app  # type: ignore[attr-defined]
    async with app.state.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(WebhookSubscription))
    assert count == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10:8443/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "http://example.org/hook",  # outside dev, https only
    ],
)
async def test_outside_dev_inside_addresses_are_refused(url: str) -> None:
    with pytest.raises(RefusedAddress):
        await check_url(url, dev=False)
    if url.startswith("https://1") or "localhost" in url:
        await check_url(url.replace("https", "http"), dev=True)  # allowed for trials


async def test_a_public_address_passes_and_the_resolver_refuses_rebinding() -> None:
    await check_url("https://8.8.8.8/hook", dev=False)
    with pytest.raises(RefusedAddress):
        await GuardedResolver(dev=False).resolve("localhost", 443)
    assert await GuardedResolver(dev=True).resolve("localhost", 443)


async def test_prod_gateway_refuses_at_subscribe_and_again_at_delivery(
    settings: Settings, platform: PlatformSettings, module_nats: NatsServer, hooks: Receiver
) -> None:
    generate_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    prod = platform.model_copy(update={"env": "prod"})
    app = create_app(settings.model_copy(update=FAST), prod, create_schema=True)
    async with running(app) as gw:
        admin = await login(gw, ADMIN, ADMIN_PASSWORD)
        client = await client_headers(gw, admin, "31", ("viewer",))
        r = await gw.post(
            "/api/v1/webhooks",
            json={"url": f"{hooks.url.replace('http', 'https')}/x", "events": [REGISTERED]},
            headers=client,
        )
        assert r.status_code == 422
        assert "public" in r.json()["detail"]

        # A name that resolved to a public address when subscribing and to loopback now
        # (DNS rebinding): stored as if it had passed, refused when delivering.
        port = hooks.url.rsplit(":", 1)[1]
        sub_id = await subscribe_unchecked(app, f"https://localhost:{port}/rebound")
        await publish(module_nats, registered())
        for _ in range(600):
            async with app.state.runtime.sessions() as session:
                row = await session.scalar(
                    select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
                )
            if row is not None and row.attempts >= 1:
                break
            await asyncio.sleep(0.1)
        assert row is not None
        assert row.last_error is not None
        assert row.last_error.startswith("refused")
        assert row.last_status_code is None
    assert hooks.at("/rebound") == []


async def subscribe_unchecked(app: Any, url: str) -> uuid.UUID:
    from cwp_gateway.accounts.models import Account, Kind

    async with app.state.runtime.sessions() as session, session.begin():
        admin = await session.scalar(
            select(Account).where(Account.kind == Kind.USER, Account.login == ADMIN)
        )
        row = WebhookSubscription(
            account_id=admin.id,
            url=url,
            events=[REGISTERED],
            secret="whsec_" + "A" * 32,
            created_by=ADMIN,
        )
        session.add(row)
        await session.flush()
        return row.id


class Ticks:
    """The rate limiters' clock, moved by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_account_holds_at_most_the_allowed_subscriptions(
    settings: Settings, platform: PlatformSettings, hooks: Receiver
) -> None:
    """Past the cap, 409 problem+json and nothing written; a deleted subscription frees
    its place; another account has places of its own."""
    app = create_app(
        settings.model_copy(update=FAST | {"webhook_max_subscriptions": 2}),
        platform,
        create_schema=True,
    )
    async with running(app) as gw:
        admin = await login(gw, ADMIN, ADMIN_PASSWORD)
        a = await client_headers(gw, admin, "31", ("viewer",))
        b = await client_headers(gw, admin, "31", ("viewer",))
        url = f"{hooks.url}/capped"
        first = await subscribe(gw, a, url, [REGISTERED])
        await subscribe(gw, a, url, [REGISTERED])
        r = await gw.post("/api/v1/webhooks", json={"url": url, "events": [REGISTERED]}, headers=a)
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "urn:cwp:problem:webhook-limit"
        assert "2 subscriptions" in r.json()["detail"]
        await subscribe(gw, b, url, [REGISTERED])
        r = await gw.delete(f"/api/v1/webhooks/{first['id']}", headers=a)
        assert r.status_code == 204
        await subscribe(gw, a, url, [REGISTERED])
        async with app.state.runtime.sessions() as session:
            rows = (await session.scalars(select(WebhookSubscription.deleted_at))).all()
        # a's three (one deleted) and b's one: the refused one was never written.
        assert len(rows) == 4
        assert sum(d is None for d in rows) == 3
        doc = app.openapi()["paths"]["/api/v1/webhooks"]["post"]["responses"]
        assert "application/problem+json" in doc["409"]["content"]


async def test_the_webhooks_api_is_rate_limited_per_account_by_the_proxys_limiters(
    settings: Settings, platform: PlatformSettings, hooks: Receiver
) -> None:
    limits = {
        "client_rate": 0.5,
        "client_burst": 8,
        "webhook_subscribe_rate": 0.01,
        "webhook_subscribe_burst": 2,
        "webhook_replay_rate": 0.01,
        "webhook_replay_burst": 1,
    }
    app = create_app(settings.model_copy(update=FAST | limits), platform, create_schema=True)
    protection = app.state.gateway.services.protection
    ticks = Ticks()
    for limiter in (protection.clients, protection.webhook_subscribes, protection.webhook_replays):
        limiter.clock = ticks

    def refused(r: httpx.Response, retry_after: int) -> None:
        """429 as problem+json, Retry-After the wait (within a second: float rounding)."""
        assert r.status_code == 429, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "urn:cwp:problem:rate-limited"
        assert retry_after <= int(r.headers["retry-after"]) <= retry_after + 1

    async with running(app) as gw:
        admin = await login(gw, ADMIN, ADMIN_PASSWORD)
        a = await client_headers(gw, admin, "31", ("viewer",))
        b = await client_headers(gw, admin, "31", ("viewer",))
        url = f"{hooks.url}/limited"
        hook = {"url": url, "events": [REGISTERED]}
        # Subscribing: two, then the subscription limit (1 every 100 s) refuses.
        first = await subscribe(gw, a, url, [REGISTERED])  # 1 of a's 8
        await subscribe(gw, a, url, [REGISTERED])  # 2
        refused(await gw.post("/api/v1/webhooks", json=hook, headers=a), 100)  # 3
        # A malformed request is refused for what it is, and spends no subscription.
        typo = {"url": url, "events": ["registry.worker.registred.v1"]}
        assert (await gw.post("/api/v1/webhooks", json=typo, headers=a)).status_code == 422  # 4
        assert (await gw.get("/api/v1/webhooks", headers=a)).status_code == 200  # 5
        # Replaying: a replay that cannot run spends none; one runs, the next is refused.
        replay = f"/api/v1/webhooks/{first['id']}/replay"
        future = {"since": (utcnow() + timedelta(days=1)).isoformat()}
        assert (await gw.post(replay, params=future, headers=a)).status_code == 422  # 6
        since = {"since": (utcnow() - timedelta(minutes=1)).isoformat()}
        r = await gw.post(replay, params=since, headers=a)  # 7
        assert r.status_code == 202, r.text
        refused(await gw.post(replay, params=since, headers=a), 100)  # 8
        # The account's budget for the whole API is spent: every call is refused now,
        # the proxied ones too (the same bucket), before any service is asked.
        refused(await gw.get("/api/v1/webhooks", headers=a), 2)
        refused(await gw.get(f"/api/v1/webhooks/{first['id']}/deliveries", headers=a), 2)
        refused(await gw.get("/api/v1/registry/workers", headers=a), 2)
        # Another account is not held back.
        assert (await gw.get("/api/v1/webhooks", headers=b)).status_code == 200
        await subscribe(gw, b, url, [REGISTERED])
        # Time refills the buckets: 4 s, two calls (the subscription limit still waits).
        ticks.now += 4
        assert (await gw.get("/api/v1/webhooks", headers=a)).status_code == 200
        refused(await gw.post("/api/v1/webhooks", json=hook, headers=a), 96)
        ticks.now += 100
        assert (await gw.post(replay, params=since, headers=a)).status_code == 202
        await subscribe(gw, a, url, [REGISTERED])

        async with app.state.runtime.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(WebhookSubscription))
        assert count == 4  # a's three and b's one: nothing refused was written

        # The documents say so, for every webhooks route.
        paths = app.openapi()["paths"]
        for path, operations in paths.items():
            if path.startswith("/api/v1/webhooks"):
                for method, operation in operations.items():
                    assert "429" in operation["responses"], (method, path)
