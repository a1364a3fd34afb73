"""Payroll end to end: real gateway, registry, career and payroll processes over real
HTTP and a real nats-server. A worker registered through the gateway is graded by
career, reaches payroll's projection, gets a worker account, is paid by a run for its
street, and reads their own payslip with their worker token; another worker's payslip
is refused to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date

import httpx
import pytest

from cwp_common.clock import today_in_china
from tests.e2e.test_platform import SHANGHAI, admin, ensure_community, register
from tests.support.answers import json_object
from tests.support.processes import Platform, build_platform
from tests.support.tokens import login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]  # four processes on a busy machine
SERVICES = ["registry", "career", "payroll", "gateway"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("e2e-payroll"), SERVICES)
    # Payroll pays example data only in its demo region: Shanghai (31), as `make run`.
    p.env |= {"PAYROLL_DEMO_REGION": "31", "PAYROLL_CHUNK_ACK_WAIT_SECONDS": "30"}
    p.nats.start()
    try:
        p.start(SERVICES, timeout=180)
        yield p
    finally:
        p.stop()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as c:
        yield c


def last_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


async def until(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], ready: str, timeout: float = 120
) -> dict[str, object]:
    """GET `url` until its JSON has `ready` set (not null, not "running")."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get(url, headers=auth)
        if r.status_code == 200 and r.json().get(ready) not in (None, "running"):
            return json_object(r)
        assert asyncio.get_running_loop().time() < deadline, r.text
        await asyncio.sleep(0.3)


async def test_a_worker_registered_through_the_gateway_reads_their_own_payslip(
    client: httpx.AsyncClient,
) -> None:
    auth = await admin(client)
    await ensure_community(client, auth, SHANGHAI)
    ids = []
    for seq in (61, 62):
        r = await register(client, auth, SHANGHAI, seq, position="full_time_worker")
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    mine, other = ids
    # Career grades them; payroll learns the registration and the grade from events.
    for worker_id in ids:
        await until(client, f"/api/v1/payroll/workers/{worker_id}", auth, "pay_coefficient")

    r = await client.post(
        "/api/v1/auth/users",
        headers=auth,
        json={"username": "pay.me", "password": PASSWORD, "roles": ["worker"], "worker_id": mine},
    )
    assert r.status_code == 201, r.text
    me = await login(client, "pay.me", PASSWORD)

    period = last_month(today_in_china())
    r = await client.post(
        "/api/v1/payroll/runs",
        headers=auth,
        json={"jurisdiction": SHANGHAI[:9], "period": period},
    )
    assert r.status_code == 201, r.text
    run = await until(client, f"/api/v1/payroll/runs/{r.json()['id']}", auth, "status", 240)
    assert run["status"] == "completed", run
    assert run["progress"] == run["progress"] | {"payslips": 2, "failures": 0}  # type: ignore[operator]

    # The worker's own payslips: through the gateway's /me and payroll's own GET.
    r = await client.get("/api/v1/me/payslips", headers=me)
    assert r.status_code == 200, r.text
    [slip] = r.json()["items"]
    assert (slip["worker_id"], slip["period"]) == (mine, period)
    assert int(slip["gross"].replace(".", "")) > 0
    assert slip["example"] is True  # the demo region's example coefficient and policy
    r = await client.get(f"/api/v1/payroll/workers/{mine}/payslips", headers=me)
    assert r.status_code == 200, r.text
    assert [s["worker_id"] for s in r.json()["items"]] == [mine]

    # Another worker's payslips are not theirs to read; staff can.
    r = await client.get(f"/api/v1/payroll/workers/{other}/payslips", headers=me)
    assert r.status_code in (403, 404), r.text
    assert "gross" not in r.text
    r = await client.get(f"/api/v1/payroll/workers/{other}/payslips", headers=auth)
    assert [s["worker_id"] for s in r.json()["items"]] == [other]
    # Nor can a worker start a run or read the run.
    r = await client.post(
        "/api/v1/payroll/runs", headers=me, json={"jurisdiction": SHANGHAI[:9], "period": period}
    )
    assert r.status_code == 403, r.text
