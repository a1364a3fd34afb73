"""Webhooks end to end beyond the registry: real gateway, registry, career and training
processes over real HTTP and a real nats-server. A certificate recorded through the
gateway makes training publish the qualification and career the raised grade; both
reach a provincial system's receiver in the worker's region, signed the Standard
Webhooks way, and a receiver of another region gets only its own region's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_platform import GUANGDONG, SHANGHAI, admin, ensure_community, register
from tests.gateway.conftest import client_token, new_client
from tests.gateway.webhook_support import Receiver, receiver, verify
from tests.support.answers import json_object
from tests.support.processes import Platform, build_platform

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]  # four processes on a busy machine
SERVICES = ["registry", "career", "training", "gateway"]
GRADE_CHANGED = "career.grade.changed.v1"
QUALIFIED = "training.qualification.obtained.v1"
GRADE_ASSIGNED = "career.grade.assigned.v1"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("e2e-webhooks"), SERVICES)
    p.env |= {"GATEWAY_WEBHOOK_POLL_SECONDS": "0.2"}
    p.nats.start()
    try:
        p.start(SERVICES)
        yield p
    finally:
        p.stop()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as c:
        yield c


async def until(
    client: httpx.AsyncClient, path: str, auth: dict[str, str], done: Any, seconds: float = 90
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        r = await client.get(path, headers=auth)
        if r.status_code == 200 and done(r.json()):
            return json_object(r)
        assert asyncio.get_running_loop().time() < deadline, (path, r.status_code, r.text)
        await asyncio.sleep(0.3)


async def system(
    client: httpx.AsyncClient, auth: dict[str, str], region: str, url: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """A provincial system: an API client of `region`, subscribed to career's and
    training's events at `url`."""
    created = await new_client(client, auth, roles=("viewer",), region=region)
    r = await client_token(client, created["client_id"], created["client_secret"])
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": [GRADE_CHANGED, QUALIFIED]}, headers=headers
    )
    assert r.status_code == 201, r.text
    return headers, r.json()


async def qualify(
    client: httpx.AsyncClient, auth: dict[str, str], community: str, seq: int
) -> tuple[str, int]:
    """A worker registered in `community` and certified: their id and first grade."""
    created = await register(client, auth, community, seq, position="full_time_worker")
    assert created.status_code == 201, created.text
    worker = created.json()["id"]
    graded = await until(client, f"/api/v1/career/workers/{worker}", auth, lambda w: w["grade"])
    await until(client, f"/api/v1/training/workers/{worker}/compliance", auth, lambda _: True)
    r = await client.post(
        "/api/v1/training/qualifications",
        headers=auth,
        json={
            "worker_id": worker,
            "level": "intermediate",
            "obtained_on": "2024-06-15",
            "certificate_no": f"SW-HOOK-{seq:04d}",
        },
    )
    assert r.status_code == 201, r.text
    return worker, int(graded["grade"])


def of_type(hooks: Receiver, path: str, event_type: str) -> list[Any]:
    return [r for r in hooks.at(path) if r.json["type"] == event_type]


async def test_career_and_training_events_reach_subscribers_in_scope_signed(
    client: httpx.AsyncClient,
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    await ensure_community(client, auth, GUANGDONG)
    async with receiver() as hooks:
        sh_headers, sh = await system(client, auth, "31", f"{hooks.url}/shanghai")
        gd_headers, gd = await system(client, auth, "44", f"{hooks.url}/guangdong")

        sh_worker, sh_grade = await qualify(client, auth, SHANGHAI, 71)
        gd_worker, _ = await qualify(client, auth, GUANGDONG, 72)

        def arrived(path: str) -> bool:
            return bool(of_type(hooks, path, GRADE_CHANGED)) and bool(
                of_type(hooks, path, QUALIFIED)
            )

        await hooks.wait_for(lambda: arrived("/shanghai") and arrived("/guangdong"), 180)
        await asyncio.sleep(1)  # room for anything that should not come

        for path, sub, worker, prefix in (
            ("/shanghai", sh, sh_worker, "31"),
            ("/guangdong", gd, gd_worker, "44"),
        ):
            got = hooks.at(path)
            # Only the subscribed types (not the grade assigned at registration), only
            # the subscriber's region, each once, each signed with its own secret.
            assert {r.json["type"] for r in got} == {GRADE_CHANGED, QUALIFIED}, path
            assert len({r.headers["webhook-id"] for r in got}) == len(got) == 2, path
            for hook in got:
                assert verify(sub["secret"], hook), path
                assert hook.json["data"]["worker_id"] == worker, path
                assert hook.json["data"]["community_code"].startswith(prefix), path
                assert "birth_date" not in hook.json["data"]
            assert not verify((gd if sub is sh else sh)["secret"], got[0])

        [raised] = of_type(hooks, "/shanghai", GRADE_CHANGED)
        assert raised.json["data"]["grade"] > raised.json["data"]["previous_grade"] == sh_grade
        assert raised.json["data"]["reason"] == "qualification"
        [certified] = of_type(hooks, "/shanghai", QUALIFIED)
        assert certified.json["data"]["level"] == "intermediate"

        # The delivery logs agree, and neither system sees the other's subscription.
        for headers, sub in ((sh_headers, sh), (gd_headers, gd)):
            r = await client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=headers)
            assert r.status_code == 200, r.text
            log = r.json()["items"]
            assert {d["event_type"] for d in log} == {GRADE_CHANGED, QUALIFIED}
            assert {d["status"] for d in log} == {"delivered"}
        r = await client.get(f"/api/v1/webhooks/{gd['id']}", headers=sh_headers)
        assert r.status_code == 404
