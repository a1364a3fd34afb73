"""Training end to end: real gateway, registry, career and training processes over real
HTTP and a real nats-server. A worker registered at the registry reaches training's
projection; a certificate recorded through the gateway raises the grade in career."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.e2e.test_platform import SHANGHAI, admin, ensure_community, eventually, register
from tests.support.processes import Platform, build_platform

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]  # four processes on a busy machine
SERVICES = ["registry", "career", "training", "gateway"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("e2e-training"), SERVICES)
    p.nats.start()
    try:
        p.start(SERVICES)
        yield p
    finally:
        p.stop()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=10) as c:
        yield c


async def test_a_certificate_recorded_through_the_gateway_raises_the_career_grade(
    client: httpx.AsyncClient,
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    created = await register(client, auth, SHANGHAI, 41, position="full_time_worker")
    assert created.status_code == 201, created.text
    worker = created.json()["id"]
    graded = await eventually(client, f"/api/v1/career/workers/{worker}", auth)
    assert graded.status_code == 200, graded.text
    before = graded.json()["grade"]
    # Training learns of the worker from the registry's event.
    seen = await eventually(client, f"/api/v1/training/workers/{worker}/compliance", auth)
    assert seen.status_code == 200, seen.text
    r = await client.post(
        "/api/v1/training/qualifications",
        headers=auth,
        json={
            "worker_id": worker,
            "level": "intermediate",
            "obtained_on": "2024-06-15",
            "certificate_no": "SW-E2E-0001",
        },
    )
    assert r.status_code == 201, r.text
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        now = (await client.get(f"/api/v1/career/workers/{worker}", headers=auth)).json()
        if now["qualification"] == "intermediate" or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    assert now["qualification"] == "intermediate"
    assert now["grade"] > before
    assert now["history"][-1]["reason"] == "qualification"
    listed = await client.get(f"/api/v1/training/workers/{worker}/qualifications", headers=auth)
    assert [q["certificate_no"] for q in listed.json()["items"]] == ["SW-E2E-0001"]
