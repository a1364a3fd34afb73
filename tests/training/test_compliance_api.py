"""Hour accounting and compliance: yearly requirements by position, published rules
over shipped data, pre-service training for new workers, continuing education in
registration periods, and a region's totals with its sub-regions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china
from tests.support.answers import json_object
from tests.support.tokens import Tokens
from tests.training.helpers import (
    API,
    GD,
    GD_STREET_2,
    SH,
    course,
    klass,
    post,
    register,
    transfer,
)

AS_OF = "2025-06-30"


async def attended(
    client: httpx.AsyncClient, headers: dict[str, str], workers: list[str], days: dict[str, int]
) -> None:
    """Each worker attends a class on each day for the minutes given."""
    c = await klass(
        client,
        headers,
        (await course(client, headers))["id"],
        capacity=50,
        starts_on=min(days),
        ends_on=max(days),
    )
    for w in workers:
        await post(client, headers, f"/classes/{c['id']}/enrolments", {"worker_id": w})
    rows = [{"worker_id": w, "day": d, "minutes": m} for w in workers for d, m in days.items()]
    await post(client, headers, f"/classes/{c['id']}/attendance", {"records": rows})


async def compliance(
    client: httpx.AsyncClient, headers: dict[str, str], worker: str, as_of: str = AS_OF
) -> dict[str, Any]:
    r = await client.get(
        f"{API}/workers/{worker}/compliance", headers=headers, params={"as_of": as_of}
    )
    assert r.status_code == 200, r.text
    return json_object(r)


async def test_yearly_hours_by_position_count_inside_the_year_only(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    worker = await register(app)
    secretary = await register(app, position="party_secretary")
    await attended(client, admin, [worker, secretary], {"2025-03-03": 240, "2025-03-04": 240})
    await attended(client, admin, [worker], {"2024-12-30": 600})  # last year's
    out = await compliance(client, admin, worker)
    [yearly] = out["periods"]
    assert (yearly["kind"], yearly["start"], yearly["end"]) == (
        "yearly",
        "2025-01-01",
        "2025-12-31",
    )
    assert (yearly["hours_due"], yearly["hours_done"], yearly["shortfall"]) == (
        "24.00",
        "8.00",
        "16.00",
    )
    assert yearly["example"] is True  # the shipped hours are example data
    assert (out["hours_due"], out["hours_done"], out["shortfall"], out["compliant"]) == (
        "24.00",
        "8.00",
        "16.00",
        False,
    )
    assert (await compliance(client, admin, secretary))["hours_due"] == "56.00"
    last_year = await compliance(client, admin, worker, "2024-12-31")
    assert (last_year["hours_done"], last_year["shortfall"]) == ("10.00", "14.00")


async def test_a_published_requirement_overrides_the_shipped_example(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    worker = await register(app)
    body = {
        "jurisdiction": "440103",
        "position": "full_time_worker",
        "period": "yearly",
        "hours": 8,
        "effective_from": "2025-01-01",
    }
    await post(client, admin, "/requirements", body)
    again = await client.post(f"{API}/requirements", headers=admin, json=body)
    assert again.status_code == 409
    elsewhere = tokens.headers(["admin"], region="31")
    r = await client.post(f"{API}/requirements", headers=elsewhere, json=body)
    assert r.status_code == 403
    await attended(client, admin, [worker], {"2025-03-03": 480})
    out = await compliance(client, admin, worker)
    [yearly] = out["periods"]
    assert (yearly["hours_due"], yearly["example"], out["compliant"]) == ("8.00", False, True)
    assert (await compliance(client, admin, worker, "2024-06-30"))["hours_due"] == "24.00"


async def test_a_new_worker_owes_pre_service_hours_and_an_old_hand_does_not(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    today = today_in_china()
    new = await register(app, hire_date=today - timedelta(days=10))
    old = await register(app, hire_date=today - timedelta(days=400))
    kinds = {
        p["kind"]: p for p in (await compliance(client, admin, new, today.isoformat()))["periods"]
    }
    assert kinds["pre_service"]["hours_due"] == "24.00"
    assert (
        kinds["pre_service"]["end"] == (today - timedelta(days=10) + timedelta(days=89)).isoformat()
    )
    old_kinds = {
        p["kind"] for p in (await compliance(client, admin, old, today.isoformat()))["periods"]
    }
    assert old_kinds == {"yearly"}


async def test_continuing_education_counts_over_the_registration_period(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    worker = await register(app)
    await post(
        client,
        admin,
        "/qualifications",
        {
            "worker_id": worker,
            "level": "intermediate",
            "obtained_on": "2024-06-15",
            "certificate_no": "SW-2024-0001",
        },
    )
    await attended(client, admin, [worker], {"2024-06-14": 600})  # the day before: not counted
    await attended(client, admin, [worker], {"2024-09-02": 600, "2024-09-03": 600})
    await attended(client, admin, [worker], {"2025-03-03": 480})
    kinds = {p["kind"]: p for p in (await compliance(client, admin, worker))["periods"]}
    ce = kinds["continuing_education"]
    assert (ce["start"], ce["end"], ce["hours_due"], ce["hours_done"]) == (
        "2024-06-15",
        "2027-06-14",
        "90.00",
        "28.00",
    )
    assert kinds["yearly"]["hours_done"] == "8.00"  # one hour counts toward each period it is in


async def test_a_region_adds_up_its_workers_by_street(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    a = await register(app)
    b = await register(app)
    c = await register(app, community_code=GD_STREET_2)
    await register(app, community_code=SH)
    await attended(
        client, admin, [a], {"2025-03-03": 720, "2025-03-04": 720, "2025-03-05": 360}
    )  # 30 h: 24 credited
    await attended(client, admin, [b], {"2025-03-04": 600})
    await post(
        client,
        admin,
        "/qualifications",
        {
            "worker_id": c,
            "level": "assistant",
            "obtained_on": "2020-05-01",
            "certificate_no": "SW-2020-0002",
        },
    )
    r = await client.get(
        f"{API}/compliance", headers=admin, params={"region": "440103", "as_of": AS_OF}
    )
    out = r.json()
    assert (out["region"], out["workers"], out["workers_compliant"]) == ("440103", 3, 1)
    assert (out["hours_due"], out["hours_done"], out["shortfall"]) == ("72.00", "34.00", "38.00")
    assert out["certificate_holders"] == {"assistant": 1, "intermediate": 0, "senior": 0}
    streets = {s["region"]: s for s in out["by_region"]}
    assert streets[GD[:9]]["workers"] == 2
    assert streets[GD[:9]]["hours_done"] == "34.00"
    assert streets[GD_STREET_2[:9]]["shortfall"] == "24.00"
    district = tokens.headers(["viewer"], region="440103")
    narrowed = await client.get(
        f"{API}/compliance", headers=district, params={"region": "44", "as_of": AS_OF}
    )
    assert (narrowed.json()["region"], narrowed.json()["workers"]) == ("440103", 3)
    outside = await client.get(f"{API}/compliance", headers=district, params={"region": "31"})
    assert outside.status_code == 403


async def pre_service_periods(
    client: httpx.AsyncClient, headers: dict[str, str], worker: str
) -> list[dict[str, Any]]:
    out = await compliance(client, headers, worker, today_in_china().isoformat())
    return [p for p in out["periods"] if p["kind"] == "pre_service"]


async def test_a_transfer_owes_pre_service_where_the_new_jurisdiction_asks_for_it(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Guangdong's (example) rule: a worker transferred in from another province owes
    its pre-service hours from the transfer's day; a move inside Guangdong does not,
    nor a move into Shanghai (the national rule: never). A redelivered transfer adds
    nothing."""
    today = today_in_china()
    hired_long_ago = today - timedelta(days=2000)
    from_shanghai = await register(app, community_code=SH, hire_date=hired_long_ago)
    assert await pre_service_periods(client, admin, from_shanghai) == []
    await transfer(app, from_shanghai, GD, from_code=SH)
    [owed] = await pre_service_periods(client, admin, from_shanghai)
    assert (owed["start"], owed["end"], owed["hours_due"], owed["example"]) == (
        today.isoformat(),
        (today + timedelta(days=89)).isoformat(),
        "24.00",
        True,
    )
    await transfer(app, from_shanghai, GD, from_code=SH)  # the same move again
    assert len(await pre_service_periods(client, admin, from_shanghai)) == 1

    within = await register(app, community_code=GD, hire_date=hired_long_ago)
    await transfer(app, within, GD_STREET_2, from_code=GD)
    assert await pre_service_periods(client, admin, within) == []

    to_shanghai = await register(app, community_code=GD, hire_date=hired_long_ago)
    await transfer(app, to_shanghai, SH, from_code=GD)
    assert await pre_service_periods(client, admin, to_shanghai) == []
