"""Annual assessment through the API: drafts, confirmation (final), the cap on 优秀, bulk
entry (all or nothing), uncounted years and exit recommendations."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_common.clock import today_in_china as today
from cwp_common.events.contracts import AssessmentConfirmed, ExitRecommended
from tests.career.helpers import (
    API,
    GD,
    bulk,
    count,
    exit_worker,
    outbox,
    register,
    worker,
    years_ago,
)

ASSESSMENTS = Assessment.__table__
RECOMMENDATIONS = ExitRecommendation.__table__
LAST_YEAR = today().year - 1
STREET = GD[:9]


def scores(result: str = "合格", **extra: Any) -> dict[str, Any]:
    return {
        "political_quality": "92.5",
        "work_performance": 88,
        "resident_satisfaction": "90",
        "result": result,
        **extra,
    }


async def assess(
    client: httpx.AsyncClient, headers: dict[str, str], worker_id: str, year: int, result: str
) -> httpx.Response:
    return await client.post(
        f"{API}/assessments",
        headers=headers,
        json={"worker_id": worker_id, "year": year, **scores(result)},
    )


async def test_draft_then_confirmed_and_final(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    wid = await register(app)
    r = await assess(client, operator, wid, LAST_YEAR, "基本合格")
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["status"], a["political_quality"], a["work_performance"]) == (
        "draft",
        "92.50",
        "88.00",
    )
    assert (a["rank"], a["passing"]) == (None, None)
    r = await client.patch(
        f"{API}/assessments/{a['id']}", headers=operator, json={"result": "合格"}
    )
    assert r.status_code == 200
    assert r.json()["result"] == "合格"
    r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    assert r.status_code == 200, r.text
    [done] = r.json()["confirmed"]
    assert (done["status"], done["rank"], done["passing"], done["counted"]) == (
        "confirmed",
        2,
        True,
        True,
    )
    assert done["confirmed_by"] == "tester"
    r = await client.patch(
        f"{API}/assessments/{a['id']}", headers=operator, json={"result": "优秀"}
    )
    assert r.status_code == 409
    assert r.json()["type"] == "urn:cwp:problem:assessment-confirmed"
    assert (
        await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    ).status_code == 409
    fetched = (await client.get(f"{API}/assessments/{a['id']}", headers=operator)).json()
    assert fetched["result"] == "合格"
    [event] = [e for e in await outbox(app) if e.type == AssessmentConfirmed.type]
    confirmed = AssessmentConfirmed.model_validate(event.data)
    assert (confirmed.year, confirmed.result, confirmed.rank, confirmed.passing) == (
        LAST_YEAR,
        "合格",
        2,
        True,
    )


async def test_bad_single_entries_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    wid = await register(app, service_start_date=years_ago(3))
    unknown = str(uuid.uuid4())
    r = await assess(client, operator, unknown, LAST_YEAR, "合格")
    assert r.status_code == 404
    r = await assess(client, operator, wid, LAST_YEAR, "称职")  # the other scale's name
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "result"
    assert "优秀 / 合格 / 基本合格 / 不合格" in r.json()["detail"]
    r = await assess(client, operator, wid, today().year - 5, "合格")  # before the service
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "year"
    r = await assess(client, operator, wid, today().year + 1, "合格")
    assert r.status_code == 422
    for bad in (
        {"political_quality": "100.5"},
        {"work_performance": -1},
        {"resident_satisfaction": "88.123"},
        {"result": ""},
        {"year": 1999},
    ):
        body = {"worker_id": wid, "year": LAST_YEAR, **scores(), **bad}
        r = await client.post(f"{API}/assessments", headers=operator, json=body)
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["field"] == next(iter(bad))
    assert await count(app, ASSESSMENTS) == 0
    assert (await assess(client, operator, wid, LAST_YEAR, "合格")).status_code == 201
    r = await assess(client, operator, wid, LAST_YEAR, "优秀")
    assert r.status_code == 409
    assert r.json()["type"] == "urn:cwp:problem:assessment-exists"
    await exit_worker(app, wid)
    r = await assess(client, operator, wid, LAST_YEAR - 1, "合格")
    assert r.status_code == 409
    assert await count(app, ASSESSMENTS) == 1
    r = await client.patch(
        f"{API}/assessments/{uuid.uuid4()}", headers=operator, json={"result": "合格"}
    )
    assert r.status_code == 404


async def test_patch_checks_like_create(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    wid = await register(app)
    a = (await assess(client, operator, wid, LAST_YEAR, "合格")).json()
    url = f"{API}/assessments/{a['id']}"
    r = await client.patch(url, headers=operator, json={"result": "称职"})
    assert r.status_code == 422
    r = await client.patch(url, headers=operator, json={"result": None})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "result"
    r = await client.patch(url, headers=operator, json={"year": 2020})
    assert r.status_code == 422
    r = await client.patch(
        url, headers=operator, json={"work_performance": "70", "remarks": "复核"}
    )
    assert r.status_code == 200
    assert (r.json()["work_performance"], r.json()["remarks"], r.json()["result"]) == (
        "70.00",
        "复核",
        "合格",
    )


async def test_excellent_cap_per_community_and_year(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    workers = [await register(app) for _ in range(5)]
    results = ["优秀", "优秀", "合格", "合格", "合格"]
    for wid, result in zip(workers, results, strict=True):
        assert (await assess(client, operator, wid, LAST_YEAR, result)).status_code == 201
    body = {"community_code": GD, "year": LAST_YEAR}
    r = await client.post(f"{API}/assessments/confirm", headers=operator, json=body)
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:excellent-cap-exceeded"
    assert "2 of 5" in r.json()["detail"]
    assert "example data" in r.json()["detail"]  # the fallback's 20% is an example
    listed = await client.get(
        f"{API}/assessments", headers=operator, params={"status": "confirmed"}
    )
    assert listed.json()["items"] == []
    drafts = (await client.get(f"{API}/assessments", headers=operator)).json()["items"]
    second = next(d for d in drafts if d["worker_id"] == workers[1])
    await client.patch(
        f"{API}/assessments/{second['id']}", headers=operator, json={"result": "合格"}
    )
    r = await client.post(f"{API}/assessments/confirm", headers=operator, json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["confirmed"]) == 5
    again = await client.post(f"{API}/assessments/confirm", headers=operator, json=body)
    assert again.json()["confirmed"] == []
    # One more 优秀, confirmed on its own, is held to the cap too: 6 people allow 1.
    late = await register(app)
    a = (await assess(client, operator, late, LAST_YEAR, "优秀")).json()
    r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    assert r.status_code == 422


async def test_bulk_is_all_or_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    good = [await register(app) for _ in range(3)]
    elsewhere = await register(app, community_code="440104001001")
    taken = await register(app)
    assert (await assess(client, operator, taken, LAST_YEAR, "合格")).status_code == 201
    rows = [
        {"worker_id": good[0], **scores()},
        {"worker_id": str(uuid.uuid4()), **scores()},
        {"worker_id": good[1], **scores("称职")},
        {"worker_id": good[0], **scores()},
        {"worker_id": elsewhere, **scores()},
        {"worker_id": taken, **scores()},
        {"worker_id": good[2], **scores()},
    ]
    r = await bulk(client, operator, STREET, LAST_YEAR, rows)
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:bulk-rejected"
    assert {e["field"] for e in r.json()["errors"]} == {
        "rows.1.worker_id",
        "rows.2.result",
        "rows.3.worker_id",
        "rows.4.worker_id",
        "rows.5.worker_id",
    }
    assert await count(app, ASSESSMENTS) == 1
    r = await bulk(
        client, operator, STREET, LAST_YEAR, [{"worker_id": w, **scores()} for w in good]
    )
    assert r.status_code == 201, r.text
    assert (r.json()["created"], r.json()["confirmed"]) == (3, False)
    assert {a["status"] for a in r.json()["items"]} == {"draft"}
    assert await count(app, ASSESSMENTS) == 4
    r = await bulk(client, operator, "44010", LAST_YEAR, [{"worker_id": good[0], **scores()}])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "unit"
    r = await bulk(client, operator, STREET, LAST_YEAR, [])
    assert r.status_code == 422


async def test_bulk_confirm_checks_the_cap_over_the_unit(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    # Two communities of one street: 2 优秀 among 10 is within 20% for the street, though
    # 2 of 5 would not be within one community.
    a = [await register(app) for _ in range(5)]
    b = [await register(app, community_code=f"{STREET}002") for _ in range(5)]
    rows = [{"worker_id": w, **scores("优秀" if i < 2 else "合格")} for i, w in enumerate(a)]
    rows += [{"worker_id": w, **scores()} for w in b]
    too_many = [{**row, "result": "优秀"} if i < 3 else row for i, row in enumerate(rows)]
    r = await bulk(client, operator, STREET, LAST_YEAR, too_many, confirm=True)
    assert r.status_code == 422
    assert r.json()["errors"][-1]["field"] == "rows"
    assert await count(app, ASSESSMENTS) == 0
    r = await bulk(client, operator, STREET, LAST_YEAR, rows, confirm=True)
    assert r.status_code == 201, r.text
    assert {x["status"] for x in r.json()["items"]} == {"confirmed"}
    events = [e for e in await outbox(app) if e.type == AssessmentConfirmed.type]
    assert len(events) == 10


async def test_a_failing_year_does_not_count(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], admin: dict[str, str]
) -> None:
    # 6 years 10 days: 2 steps; a 不合格 year leaves 5 counted years: 1 step.
    wid = await register(app, service_start_date=years_ago(6, 10))
    assert (await worker(client, admin, wid))["grade"] == 3
    a = (await assess(client, operator, wid, LAST_YEAR, "不合格")).json()
    r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    assert r.status_code == 200
    assert r.json()["confirmed"][0]["counted"] is False
    w = await worker(client, admin, wid)
    assert (w["grade"], w["uncounted_years"]) == (2, [LAST_YEAR])
    last = w["history"][-1]
    assert (last["reason"], last["inputs"]["counted_years"]) == ("assessment", 5)
    assert w["status"] == "active"


async def test_consecutive_failing_years_recommend_an_exit(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], admin: dict[str, str]
) -> None:
    wid = await register(app, service_start_date=years_ago(8))
    for year in (LAST_YEAR - 2, LAST_YEAR - 1):
        a = (
            await assess(client, operator, wid, year, "不合格" if year == LAST_YEAR - 1 else "合格")
        ).json()
        r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
        assert r.json()["exit_recommendations"] == []
    a = (await assess(client, operator, wid, LAST_YEAR, "不合格")).json()
    r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    [rec] = r.json()["exit_recommendations"]
    assert (rec["worker_id"], rec["failing_years"], rec["status"]) == (
        wid,
        [LAST_YEAR - 1, LAST_YEAR],
        "open",
    )
    listed = (await client.get(f"{API}/exit-recommendations", headers=admin)).json()["items"]
    assert [x["id"] for x in listed] == [rec["id"]]
    [event] = [e for e in await outbox(app) if e.type == ExitRecommended.type]
    assert ExitRecommended.model_validate(event.data).failing_years == [LAST_YEAR - 1, LAST_YEAR]
    # Recommended, not exited: a person confirms the exit in the registry.
    assert (await worker(client, admin, wid))["status"] == "active"
    await exit_worker(app, wid)
    closed = (
        await client.get(f"{API}/exit-recommendations", headers=admin, params={"status": "closed"})
    ).json()
    assert [x["id"] for x in closed["items"]] == [rec["id"]]
    assert closed["items"][0]["closed_at"]
    assert await count(app, RECOMMENDATIONS) == 1


async def test_list_filters(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    w1, w2 = await register(app), await register(app, community_code="440104001001")
    await assess(client, operator, w1, LAST_YEAR, "合格")
    await assess(client, operator, w1, LAST_YEAR - 1, "合格")
    await assess(client, operator, w2, LAST_YEAR, "合格")

    async def get(**p: Any) -> httpx.Response:
        return await client.get(f"{API}/assessments", headers=operator, params=p)

    assert len((await get(year=LAST_YEAR)).json()["items"]) == 2
    assert len((await get(worker_id=w1)).json()["items"]) == 2
    assert len((await get(region="440104")).json()["items"]) == 1
    page = (await get(limit=2)).json()
    assert page["next_cursor"]
    assert len((await get(limit=2, cursor=page["next_cursor"])).json()["items"]) == 1
    assert (await get(status="final")).status_code == 422
