"""Payroll's worker projection: the durable consumers against a real nats-server, the
handlers' order independence, tax choices, and a back-dated grade change's arrears."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.events.contracts import GradeAssigned, QualificationObtained, WorkerRegistered
from cwp_common.settings import PlatformSettings
from cwp_payroll.app import create_app
from tests.career.test_consumers import send, until
from tests.payroll.conftest import settings
from tests.payroll.helpers import (
    API,
    GZ_1,
    envelope,
    exit_worker,
    facts,
    grade,
    payslips,
    publish_policy,
    qualify,
    register,
    start_run,
    wait_run,
    worker,
)
from tests.support.apps import running
from tests.support.nats_server import NatsServer


async def test_the_consumers_project_registry_career_and_training_events(
    database_url: str,
    own_platform: PlatformSettings,
    nats_server: NatsServer,
    admin: dict[str, str],
) -> None:
    app = create_app(settings(database_url, consume_events=True), own_platform, create_schema=True)
    data = WorkerRegistered(**facts())
    events = [
        # The grade and the qualification arrive before the registration: kept anyway.
        envelope(
            GradeAssigned(
                worker_id=data.worker_id,
                community_code=GZ_1,
                jurisdiction="44",
                ladder_id="l1",
                category="other",
                grade=7,
                pay_coefficient="1.2500",  # type: ignore[arg-type]
                effective_date=date(2024, 1, 1),
                reason="registered",
                example=True,
            )
        ),
        envelope(
            QualificationObtained(
                worker_id=data.worker_id,
                community_code=GZ_1,
                level="intermediate",
                obtained_date=date(2023, 6, 1),
            )
        ),
        envelope(data),
    ]
    async with running(app) as client:
        await send(nats_server, *events)

        async def projected() -> dict[str, Any] | None:
            r = await client.get(f"{API}/workers/{data.worker_id}", headers=admin)
            ok = r.status_code == 200 and r.json()["grade"] and r.json()["qualification"]
            return r.json() if ok else None

        try:
            got = await until(projected)
        except AssertionError:
            r = await client.get(f"{API}/workers/{data.worker_id}", headers=admin)
            raise AssertionError(r.text) from None
        assert got["pay_coefficient"] == "1.2500"
        assert got["example"] is True
        assert got["qualification"] == "intermediate"
        assert "birth_date" not in got


async def test_exits_stop_pay_after_the_exit_month(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    worker_id = await worker(app)
    await exit_worker(app, worker_id, date(2025, 2, 10))
    r = await client.get(f"{API}/workers/{worker_id}", headers=admin)
    assert r.json()["status"] == "exited"


async def test_tax_options_are_validated_and_scoped(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tokens: Any
) -> None:
    worker_id = await worker(app)
    body = {"additional_deductions": "3000.00", "bonus_separate": False}
    r = await client.put(f"{API}/workers/{worker_id}/tax-options", headers=admin, json=body)
    assert r.status_code == 200
    assert r.json()["additional_deductions"] == "3000.00"
    for bad in (
        {**body, "additional_deductions": "-1.00"},
        {**body, "additional_deductions": 3000},
    ):
        r = await client.put(f"{API}/workers/{worker_id}/tax-options", headers=admin, json=bad)
        assert r.status_code == 422
    shanghai = tokens.headers(["operator"], region="31")
    r = await client.put(f"{API}/workers/{worker_id}/tax-options", headers=shanghai, json=body)
    assert r.status_code == 404
    assert (await client.get(f"{API}/workers/{worker_id}", headers=admin)).json()[
        "additional_deductions"
    ] == "3000.00"


async def test_a_back_dated_grade_change_pays_arrears_in_the_next_run(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    worker_id = await register(replica_app, qualification=None)
    await grade(replica_app, worker_id, "1.0000", effective=date(2024, 1, 1))
    for period in ("2025-01", "2025-02"):
        await wait_run(replica, admin, (await start_run(replica, admin, "44", period))["id"])
    # Promoted back to January: 1.0 → 1.5; two months were paid at 1.0.
    await grade(replica_app, worker_id, "1.5000", effective=date(2025, 1, 1), previous=5)
    march = await wait_run(replica, admin, (await start_run(replica, admin, "44", "2025-03"))["id"])
    assert march["progress"]["payslips"] == 1
    slip = (await payslips(replica, admin, worker_id))[0]
    assert slip["period"] == "2025-03"
    assert slip["arrears"] == "3400.00"  # 2 × (5,100 − 3,400)
    assert {"label": "arrears", "amount": "3400.00"} in slip["lines"]
    # Settled: the next month pays no arrears again.
    april = await wait_run(replica, admin, (await start_run(replica, admin, "44", "2025-04"))["id"])
    assert april["progress"]["payslips"] == 1
    assert (await payslips(replica, admin, worker_id))[0]["arrears"] == "0.00"
    # A demotion back-dated into April is recovered in May.
    await grade(replica_app, worker_id, "1.2000", effective=date(2025, 4, 1), previous=6)
    await wait_run(replica, admin, (await start_run(replica, admin, "44", "2025-05"))["id"])
    assert (await payslips(replica, admin, worker_id))[0]["arrears"] == "-1020.00"


async def test_year_to_date_tax_continues_across_runs(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    worker_id = await worker(replica_app, "4.0000")  # 13,600 standard pay
    await qualify(replica_app, worker_id, "senior", date(2024, 1, 1))
    for period in ("2025-01", "2025-02"):
        await wait_run(replica, admin, (await start_run(replica, admin, "44", period))["id"])
    jan, feb = reversed(await payslips(replica, admin, worker_id))
    assert jan["qualification_allowance"] == "300.00"
    # The same pay both months: February's cumulative tax minus January's, at 3%.
    assert jan["tax"] == feb["tax"]
    r = await replica.post(
        f"{API}/tax/preview",
        headers=admin,
        json={
            "months": [
                {
                    "gross": s["gross"],
                    "special_deductions": s["special_deductions"],
                    "additional_deductions": s["additional_deductions"],
                }
                for s in (jan, feb)
            ]
        },
    )
    assert [m["withholding"] for m in r.json()["months"]] == [jan["tax"], feb["tax"]]
