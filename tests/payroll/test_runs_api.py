"""Payroll runs through the API with a real replica taking chunks from the JetStream
work queue: payslips, rerun idempotence, states, per-worker failures, example data."""

from __future__ import annotations

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cwp_common.clock import today_in_china
from cwp_common.settings import PlatformSettings
from cwp_payroll.db import EVENTS
from tests.payroll.helpers import (
    API,
    GZ_1,
    GZ_2,
    GZ_3,
    SZ,
    payslips,
    publish_policy,
    register,
    start_run,
    wait_run,
    worker,
)
from tests.support.tokens import Tokens

PERIOD = "2025-03"


async def test_a_run_pays_every_worker_of_every_street_once(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    ids = [
        await worker(replica_app, "1.0000", community_code=code) for code in (GZ_1, GZ_2, GZ_3, SZ)
    ]
    run = await start_run(replica, admin, "4401", PERIOD)
    assert run["progress"]["chunks_total"] == 2  # two streets of 4401; SZ is outside
    done = await wait_run(replica, admin, run["id"])
    p = done["progress"]
    assert (p["chunks_done"], p["chunks_left"], p["payslips"], p["failures"]) == (2, 0, 3, 0)
    assert p["eta_seconds"] == 0.0
    assert p["payslips_per_second"] > 0
    assert [len(await payslips(replica, admin, w)) for w in ids] == [1, 1, 1, 0]

    slip = (await payslips(replica, admin, ids[0]))[0]
    # 3,400 × 1.0 with 20% performance; seniority 7 full years × 50 by 2025-03-31;
    # 200 交通补贴; no post or qualification allowance.
    assert (slip["basic"], slip["performance"], slip["seniority_allowance"]) == (
        "2720.00",
        "680.00",
        "350.00",
    )
    assert slip["gross"] == "3950.00"
    # The base is clamped to the floor: 60% of 124,110 / 12 = 6,205.50.
    assert slip["contribution_base"] == "6205.50"
    assert slip["pension_employee"] == "496.44"  # 8%
    assert slip["medical_employee"] == "124.11"  # 2%
    assert slip["unemployment_employee"] == "31.03"  # 0.5% of 6,205.50 = 31.0275
    assert slip["housing_base"] == "3950.00"
    assert slip["housing_employee"] == "276.50"
    assert slip["tax"] == "0.00"
    assert slip["net"] == "3021.92"
    assert done["gross"] == "11850.00"

    r = await replica.get(f"{API}/metrics".replace("/api/v1/payroll", ""))
    assert "payroll_payslips_computed_total 3.0" in r.text


async def test_rerunning_a_draft_replaces_its_payslips_and_a_locked_run_never_changes(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    first = await worker(replica_app, "1.0000")
    run = await start_run(replica, admin, "440103", PERIOD)
    before = await wait_run(replica, admin, run["id"])
    second = await worker(replica_app, "1.2000", community_code=GZ_3)

    r = await replica.post(f"{API}/runs/{run['id']}/rerun", headers=admin)
    assert r.status_code == 200, r.text
    after = await wait_run(replica, admin, run["id"])
    assert after["attempt"] == 2
    assert after["progress"]["payslips"] == 2
    assert len(await payslips(replica, admin, first)) == 1  # replaced, not added
    assert len(await payslips(replica, admin, second)) == 1

    again = await replica.post(f"{API}/runs/{run['id']}/rerun", headers=admin)
    assert again.status_code == 200
    same = await wait_run(replica, admin, run["id"])
    assert (same["gross"], same["net"], same["tax"]) == (after["gross"], after["net"], after["tax"])
    assert before["progress"]["payslips"] == 1

    assert (await replica.post(f"{API}/runs/{run['id']}/lock", headers=admin)).status_code == 409
    assert (await replica.post(f"{API}/runs/{run['id']}/approve", headers=admin)).status_code == 200
    locked = await replica.post(f"{API}/runs/{run['id']}/lock", headers=admin)
    assert locked.status_code == 200
    assert locked.json()["state"] == "locked"
    for action in ("rerun", "approve", "lock"):
        r = await replica.post(f"{API}/runs/{run['id']}/{action}", headers=admin)
        assert r.status_code == 409
        assert r.json()["type"] == "urn:cwp:problem:run-locked"
    # The same month of an overlapping jurisdiction is refused: it would pay twice.
    for jurisdiction in ("4401", "440103001", "440103"):
        r = await replica.post(
            f"{API}/runs", headers=admin, json={"jurisdiction": jurisdiction, "period": PERIOD}
        )
        assert r.status_code == 409, jurisdiction
    assert len(await payslips(replica, admin, first)) == 1
    async with replica_app.state.runtime.sessions() as session:
        events = (await session.execute(select(EVENTS.outbox.c.type, EVENTS.outbox.c.body))).all()
    completed = [orjson.loads(b)["data"] for t, b in events if t == "payroll.run.completed.v1"]
    locked_events = [orjson.loads(b)["data"] for t, b in events if t == "payroll.run.locked.v1"]
    assert [e["attempt"] for e in completed] == [1, 2, 3]
    assert completed[-1]["gross"] == same["gross"]
    assert [e["locked_by"] for e in locked_events] == ["tester"]
    assert locked_events[0]["period"] == PERIOD


async def test_one_workers_bad_data_fails_that_worker_with_its_reason(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    good = await worker(replica_app, "1.0000")
    ungraded = await register(replica_app, community_code=GZ_2)
    example = await worker(replica_app, "1.1000", example=True, community_code=GZ_3)
    run = await start_run(replica, admin, "4401", PERIOD)
    done = await wait_run(replica, admin, run["id"])
    assert (done["progress"]["payslips"], done["progress"]["failures"]) == (1, 2)
    r = await replica.get(f"{API}/runs/{run['id']}/failures", headers=admin)
    reasons = {f["worker_id"]: f["reason"] for f in r.json()["items"]}
    assert reasons == {ungraded: "no_grade", example: "example_coefficient"}
    assert len(await payslips(replica, admin, good)) == 1


async def test_example_data_is_paid_only_in_the_demo_region(
    database_url: str, own_platform: PlatformSettings, admin: dict[str, str]
) -> None:
    from cwp_payroll.app import create_app
    from tests.payroll.conftest import settings
    from tests.support.apps import running

    app = create_app(
        settings(database_url, work_chunks=True, demo_region="4401"),
        own_platform,
        create_schema=True,
    )
    async with running(app) as client:
        await publish_policy(client, admin, "44", example=True)
        inside = await worker(app, "1.1000", example=True)
        outside = await worker(app, "1.1000", example=True, community_code=SZ)
        run = await start_run(client, admin, "44", PERIOD)
        done = await wait_run(client, admin, run["id"])
        assert (done["progress"]["payslips"], done["progress"]["failures"]) == (1, 1)
        slip = (await payslips(client, admin, inside))[0]
        assert slip["example"] is True
        failures = (await client.get(f"{API}/runs/{run['id']}/failures", headers=admin)).json()
        assert failures["items"][0]["worker_id"] == outside
        assert failures["items"][0]["reason"] == "example_coefficient"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"jurisdiction": "44", "period": "2025-13"}, 422),
        ({"jurisdiction": "44", "period": "202503"}, 422),
        ({"jurisdiction": "44", "period": 202503}, 422),
        ({"jurisdiction": "4", "period": "2025-03"}, 422),
        ({"jurisdiction": "44x", "period": "2025-03"}, 422),
        ({"jurisdiction": "44", "period": "2018-12"}, 422),
        ({"jurisdiction": "31", "period": "2025-03"}, 403),
    ],
)
async def test_bad_runs_are_refused_and_write_nothing(
    client: httpx.AsyncClient, tokens: Tokens, body: dict[str, object], status: int
) -> None:
    headers = tokens.headers(["operator"], region="44")
    r = await client.post(f"{API}/runs", headers=headers, json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    listed = await client.get(f"{API}/runs", headers=headers)
    assert listed.json()["items"] == []


async def test_a_future_month_is_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    today = today_in_china()
    nxt = f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"
    r = await client.post(f"{API}/runs", headers=admin, json={"jurisdiction": "44", "period": nxt})
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:future-period"
    assert (await client.get(f"{API}/runs", headers=admin)).json()["items"] == []


async def test_a_viewer_cannot_start_a_run(client: httpx.AsyncClient, tokens: Tokens) -> None:
    viewer = tokens.headers(["viewer"])
    r = await client.post(
        f"{API}/runs", headers=viewer, json={"jurisdiction": "44", "period": PERIOD}
    )
    assert r.status_code == 403
