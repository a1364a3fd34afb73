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
from cwp_payroll.money import round_div
from tests.payroll.helpers import API, GZ_1, GZ_3, SZ, publish_policy, start_run, wait_run, worker


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


async def test_the_sql_sums_follow_the_most_specific_policy_per_community(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """A district's own benchmark (pay without the employer's contributions; 90% in one
    street, 70% elsewhere) overrides the province's for its communities only; each
    region's figures equal the ones worked out here from the payslips."""
    await publish_policy(replica, admin, "44")
    district = {
        "reference": {"division": "", "kind": "non_private"},
        "includes_employer_contributions": False,
        "rules": [{"districts": ["440103002"], "share": "0.90"}, {"share": "0.70"}],
    }
    r = await replica.post(
        f"{API}/policies/benchmarks",
        headers=admin,
        json={"jurisdiction": "440103", "effective_date": "2024-01-01", "body": district},
    )
    assert r.status_code == 201, r.text
    ids = {
        "a": await worker(replica_app, "1.0000", community_code=GZ_1),
        "b": await worker(replica_app, "3.0000", community_code=GZ_3),
        "c": await worker(replica_app, "2.0000", community_code=SZ, position="party_secretary"),
    }
    for period in ("2025-01", "2025-02", "2025-03"):
        await wait_run(replica, admin, (await start_run(replica, admin, "44", period))["id"])

    def fen(text: str) -> int:
        return int(text.replace(".", ""))

    pay = {}
    for k, w in ids.items():
        slips = (await replica.get(f"{API}/workers/{w}/payslips", headers=admin)).json()["items"]
        key = "gross" if k in ("a", "b") else "employer_cost"  # the district's rule: no employer
        total = sum(fen(s[key]) for s in slips)
        pay[k] = round_div(total * 12, len(slips))
    reference = 12_411_000  # 2024's non-private average, fen
    floors = {"a": reference * 70 // 100, "b": reference * 90 // 100, "c": reference}

    b = (
        await replica.get(f"{API}/benchmarks", headers=admin, params={"region": "44", "year": 2025})
    ).json()
    cities = {x["region"]: x for x in b["by_region"]}
    assert set(cities) == {"4401", "4403"}
    gz, sz = cities["4401"], cities["4403"]
    assert gz["workers"] == 2
    assert fen(gz["average_pay"]) == round_div(pay["a"] + pay["b"], 2)
    assert fen(gz["floor"]) == round_div(floors["a"] + floors["b"], 2)
    assert gz["below_floor"] == (pay["a"] < floors["a"]) + (pay["b"] < floors["b"])
    assert (fen(sz["average_pay"]), fen(sz["floor"])) == (pay["c"], floors["c"])
    assert sz["below_floor"] == int(pay["c"] < floors["c"])
    assert b["workers"] == 3
    assert fen(b["average_pay"]) == round_div(sum(pay.values()), 3)
    assert b["below_floor"] == gz["below_floor"] + sz["below_floor"]
