"""Training end to end: real gateway, registry, career, training and payroll processes
over real HTTP and a real nats-server. A worker registered at the registry reaches
training's projection; a certificate recorded through the gateway raises the grade in
career and adds the qualification allowance in the next payroll run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwp_common.clock import today_in_china
from tests.e2e.test_platform import SHANGHAI, admin, ensure_community, eventually, register
from tests.payroll.helpers import payslips, start_run, wait_run
from tests.support.answers import json_object
from tests.support.processes import Platform, build_platform

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]  # five processes on a busy machine
SERVICES = ["registry", "career", "training", "payroll", "gateway"]


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


async def until(
    client: httpx.AsyncClient, path: str, auth: dict[str, str], done: Any, seconds: float = 60
) -> dict[str, Any]:
    """GET `path` until `done(answer)` holds (events cross processes: no fixed sleep)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        r = await client.get(path, headers=auth)
        if r.status_code == 200 and done(r.json()):
            return json_object(r)
        assert asyncio.get_running_loop().time() < deadline, (path, r.status_code, r.text)
        await asyncio.sleep(0.2)


def periods() -> tuple[str, str]:
    """Last month and this month (a run may not be for a month still to come)."""
    today = today_in_china()
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}", f"{today:%Y-%m}"


async def test_a_certificate_through_the_gateway_raises_the_grade_and_the_next_pay(
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
    # Payroll (dev) pays Shanghai, its demo region, by the shipped demo policy
    # (qualification allowance: intermediate 200.00 a month); the run before the
    # certificate pays none.
    await until(client, f"/api/v1/payroll/workers/{worker}", auth, lambda w: w["grade"])
    first, second = periods()
    run = await wait_run(client, auth, (await start_run(client, auth, SHANGHAI, first))["id"])
    assert run["progress"]["payslips"] == 1, run
    [unqualified] = await payslips(client, auth, worker)
    assert unqualified["qualification_allowance"] == "0.00"
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
    now = await until(
        client,
        f"/api/v1/career/workers/{worker}",
        auth,
        lambda w: w["qualification"] == "intermediate",
    )
    assert now["grade"] > before
    assert now["history"][-1]["reason"] == "qualification"
    listed = await client.get(f"/api/v1/training/workers/{worker}/qualifications", headers=auth)
    assert [q["certificate_no"] for q in listed.json()["items"]] == ["SW-E2E-0001"]
    # Payroll learns of the certificate (and the raised grade) and pays the allowance in
    # the next run.
    await until(
        client,
        f"/api/v1/payroll/workers/{worker}",
        auth,
        lambda w: w["qualification"] == "intermediate" and w["grade"] == now["grade"],
    )
    run = await wait_run(client, auth, (await start_run(client, auth, SHANGHAI, second))["id"])
    assert run["progress"]["payslips"] == 1, run
    latest = (await payslips(client, auth, worker))[0]
    assert latest["period"] == second, latest
    assert latest["qualification_allowance"] == "200.00"
    assert Decimal(latest["gross"]) > Decimal(unqualified["gross"])
