"""Benchmarks of pay against local wages: Nanjing-style floors (heads 100%, others 80%
of last year's non-private average, employer contributions included) per region, and a
breach event for each region below its floor."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi import FastAPI
from sqlalchemy import select

from cwp_payroll.db import EVENTS
from tests.payroll.helpers import API, GZ_1, GZ_3, publish_policy, start_run, wait_run, worker


async def test_each_region_against_its_floor_and_a_breach_event_per_region_below(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str], tokens: Any
) -> None:
    await publish_policy(replica, admin, "44")
    low = await worker(replica_app, "1.0000", community_code=GZ_1)
    high = await worker(replica_app, "8.0000", community_code=GZ_3, position="party_secretary")
    for period in ("2025-01", "2025-02"):
        await wait_run(replica, admin, (await start_run(replica, admin, "44", period))["id"])

    r = await replica.get(
        f"{API}/benchmarks", headers=admin, params={"region": "440103", "year": 2025}
    )
    assert r.status_code == 200, r.text
    b = r.json()
    assert (b["region"], b["year"], b["workers"], b["below_floor"]) == ("440103", 2025, 2, 1)
    assert b["share_below_floor"] == "0.5000"
    streets = {x["region"]: x for x in b["by_region"]}
    # 80% and 100% of the national 2024 non-private average (124,110).
    assert streets["440103001"]["floor"] == "99288.00"
    assert streets["440103002"]["floor"] == "124110.00"
    assert (streets["440103001"]["below_floor"], streets["440103002"]["below_floor"]) == (1, 0)
    # Annualised from two months, employer contributions included (the policy says so).
    slips = (await replica.get(f"{API}/workers/{low}/payslips", headers=admin)).json()["items"]
    month = int(slips[0]["employer_cost"].replace(".", ""))
    assert streets["440103001"]["average_pay"] == f"{month * 12 // 100}.{month * 12 % 100:02d}"
    assert high

    checked = await replica.post(
        f"{API}/benchmarks/check", headers=admin, params={"region": "440103", "year": 2025}
    )
    assert checked.status_code == 200
    assert checked.json()["breaches_reported"] == 1
    async with replica_app.state.runtime.sessions() as session:
        bodies = (
            await session.scalars(
                select(EVENTS.outbox.c.body).where(
                    EVENTS.outbox.c.type == "payroll.benchmark.breached.v1"
                )
            )
        ).all()
    [event] = [orjson.loads(b)["data"] for b in bodies]
    assert event["region"] == "440103001"
    assert event["below_floor"] == 1
    assert event["floor"] == "99288.00"

    # Scope: another province's viewer cannot ask for this region, and its own is empty.
    shanghai = tokens.headers(["viewer"], region="31")
    r = await replica.get(
        f"{API}/benchmarks", headers=shanghai, params={"region": "44", "year": 2025}
    )
    assert r.status_code == 403
    own = await replica.get(f"{API}/benchmarks", headers=shanghai, params={"year": 2025})
    assert own.json()["workers"] == 0
    assert (
        await replica.get(f"{API}/benchmarks", headers=admin, params={"year": 1990})
    ).status_code == 422
