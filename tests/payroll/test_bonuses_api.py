"""Annual one-off bonus lines (全年一次性奖金) entered by staff and paid by the month's
run: taxed separately or combined as the worker chose, exact to the fen; bad lines are
refused with nothing written, and a line cannot change under an approved run."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.payroll.helpers import (
    API,
    GZ_1,
    SH,
    payslips,
    publish_policy,
    start_run,
    wait_run,
    worker,
)
from tests.support.tokens import Tokens


async def test_a_bonus_line_is_paid_by_its_months_run_separately_or_combined(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    separate = await worker(replica_app, "1.0000")
    combined = await worker(replica_app, "1.0000")
    r = await replica.put(
        f"{API}/workers/{combined}/tax-options",
        headers=admin,
        json={"additional_deductions": "0.00", "bonus_separate": False},
    )
    assert r.status_code == 200, r.text
    for w in (separate, combined):
        r = await replica.post(
            f"{API}/bonuses",
            headers=admin,
            json={"worker_id": w, "period": "2025-01", "amount": "36000.00", "note": "2024年度"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["amount"] == "36000.00"
    listed = await replica.get(f"{API}/bonuses", headers=admin, params={"period": "2025-01"})
    assert len(listed.json()["items"]) == 2

    run = await start_run(replica, admin, "44", "2025-01")
    await wait_run(replica, admin, run["id"])
    s = (await payslips(replica, admin, separate))[0]
    # 3,900.00 wages + 36,000.00 bonus; the bonus alone: 36,000 ÷ 12 = 3,000 → 3% = 1,080.00.
    assert (s["gross"], s["bonus"], s["bonus_tax"]) == ("39900.00", "36000.00", "1080.00")
    # The wages: 3,900 − 5,000 − 924.58 < 0 → no tax on them.
    assert s["tax"] == "0.00"
    assert s["net"] == "37895.42"  # 39,900 − 924.58 − 1,080.00
    assert {"label": "annual_bonus", "amount": "36000.00"} in s["lines"]
    c = (await payslips(replica, admin, combined))[0]
    # Combined: taxable 39,900 − 5,000 − 924.58 = 33,975.42 → 3% = 1,019.2626: 1,019.26.
    assert (c["gross"], c["bonus_tax"], c["tax"]) == ("39900.00", "0.00", "1019.26")

    # Approved, the month's lines no longer change.
    r = await replica.post(f"{API}/runs/{run['id']}/approve", headers=admin)
    assert r.status_code == 200, r.text
    late = await replica.post(
        f"{API}/bonuses",
        headers=admin,
        json={"worker_id": separate, "period": "2025-01", "amount": "1.00"},
    )
    assert late.status_code == 409
    line = listed.json()["items"][0]["id"]
    assert (await replica.delete(f"{API}/bonuses/{line}", headers=admin)).status_code == 409


async def test_bad_bonus_lines_are_refused_and_nothing_is_written(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    w = await worker(replica_app, "1.0000", community_code=GZ_1)
    good = {"worker_id": w, "period": "2025-12", "amount": "5000.00"}
    for bad, status in (
        ({**good, "amount": "-1.00"}, 422),
        ({**good, "amount": "0.00"}, 422),
        ({**good, "amount": "12.345"}, 422),
        ({**good, "amount": 5000}, 422),  # a JSON number would pass through float
        ({**good, "period": "2025-13"}, 422),
        ({**good, "extra": 1}, 422),
        ({**good, "worker_id": "00000000-0000-0000-0000-000000000001"}, 404),
    ):
        r = await replica.post(f"{API}/bonuses", headers=admin, json=bad)
        assert r.status_code == status, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    shanghai = tokens.headers(["operator"], region=SH[:2])
    r = await replica.post(f"{API}/bonuses", headers=shanghai, json=good)
    assert r.status_code == 404  # outside the caller's scope, the worker is not there
    assert (await replica.get(f"{API}/bonuses", headers=admin)).json()["items"] == []
    r = await replica.post(f"{API}/bonuses", headers=admin, json=good)
    assert r.status_code == 201
    again = await replica.post(f"{API}/bonuses", headers=admin, json=good)
    assert again.status_code == 409
    assert len((await replica.get(f"{API}/bonuses", headers=admin)).json()["items"]) == 1
    gone = await replica.delete(f"{API}/bonuses/{r.json()['id']}", headers=admin)
    assert gone.status_code == 204
    assert (await replica.get(f"{API}/bonuses", headers=admin)).json()["items"] == []
