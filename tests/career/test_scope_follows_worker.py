"""Per-worker records follow the worker's CURRENT community (issue 6 §3): after a transfer
from Shanghai to Guangdong, Guangdong sees and handles the worker's assessments and exit
recommendations, and Shanghai can neither read nor change them, nor learn anything about
the worker from a bulk answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from tests.career.helpers import API, GD, SH, bulk, register, transfer, years_ago
from tests.support.answers import json_object
from tests.support.tokens import Tokens

YEAR = today().year - 1
SCORES = {"political_quality": 80, "work_performance": 80, "resident_satisfaction": 80}
SH_STREET = SH[:9]


async def assess(
    client: httpx.AsyncClient, headers: dict[str, str], wid: str, year: int, result: str
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/assessments",
        headers=headers,
        json={"worker_id": wid, "year": year, "result": result, **SCORES},
    )
    assert r.status_code == 201, r.text
    return json_object(r)


@pytest.fixture
def shanghai(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["operator"], region="31")


@pytest.fixture
def guangdong(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(["operator"], region="44")


@pytest.fixture
async def moved(
    app: FastAPI, client: httpx.AsyncClient, shanghai: dict[str, str]
) -> dict[str, Any]:
    """A Shanghai worker with two confirmed failing years (an open exit recommendation)
    and this year's draft, then transferred to Guangdong."""
    start = years_ago(8)
    wid = await register(app, community_code=SH, service_start_date=start)
    for year in (YEAR - 2, YEAR - 1):
        done = await assess(client, shanghai, wid, year, "不合格")
        r = await client.post(f"{API}/assessments/{done['id']}/confirm", headers=shanghai)
        assert r.status_code == 200, r.text
    assert r.json()["exit_recommendations"]
    draft = await assess(client, shanghai, wid, YEAR, "合格")
    await transfer(
        app,
        wid,
        today() - timedelta(days=1),
        True,
        from_code=SH,
        community_code=GD,
        service_start_date=start,
    )
    return {"worker": wid, "draft": draft["id"]}


async def test_the_old_region_can_no_longer_change_or_confirm_the_draft(
    client: httpx.AsyncClient, shanghai: dict[str, str], moved: dict[str, Any]
) -> None:
    url = f"{API}/assessments/{moved['draft']}"
    assert (await client.get(url, headers=shanghai)).status_code == 404
    r = await client.patch(url, headers=shanghai, json={"result": "优秀"})
    assert r.status_code == 404, r.text
    assert (await client.post(f"{url}/confirm", headers=shanghai)).status_code == 404
    listed = await client.get(f"{API}/assessments", headers=shanghai)
    assert moved["worker"] not in [a["worker_id"] for a in listed.json()["items"]]
    recs = await client.get(f"{API}/exit-recommendations", headers=shanghai)
    assert recs.json()["items"] == []
    # Confirming the old community's drafts finds none of the worker's.
    r = await client.post(
        f"{API}/assessments/confirm",
        headers=shanghai,
        json={"community_code": SH, "year": YEAR},
    )
    assert r.status_code == 200, r.text
    assert r.json()["confirmed"] == []


async def test_the_new_region_sees_changes_and_confirms_the_draft(
    client: httpx.AsyncClient, guangdong: dict[str, str], moved: dict[str, Any]
) -> None:
    url = f"{API}/assessments/{moved['draft']}"
    assert (await client.get(url, headers=guangdong)).status_code == 200
    listed = await client.get(f"{API}/assessments", headers=guangdong)
    assert sorted(a["year"] for a in listed.json()["items"]) == [YEAR - 2, YEAR - 1, YEAR]
    recs = await client.get(f"{API}/exit-recommendations", headers=guangdong)
    assert [r["worker_id"] for r in recs.json()["items"]] == [moved["worker"]]
    r = await client.patch(url, headers=guangdong, json={"remarks": "调入后复核"})
    assert r.status_code == 200, r.text
    r = await client.post(f"{url}/confirm", headers=guangdong)
    assert r.status_code == 200, r.text
    assert r.json()["confirmed"][0]["status"] == "confirmed"
    # Next year's assessment is Guangdong's to enter.
    created = await client.post(
        f"{API}/assessments",
        headers=guangdong,
        json={"worker_id": moved["worker"], "year": today().year, "result": "合格", **SCORES},
    )
    assert created.status_code == 201, created.text
    assert created.json()["community_code"] == GD


async def test_a_bulk_answer_names_nothing_about_a_worker_outside_scope(
    client: httpx.AsyncClient, shanghai: dict[str, str], moved: dict[str, Any]
) -> None:
    """The moved worker is simply unknown to Shanghai: the same answer as for an id that
    never existed, and not that they already have an assessment for the year."""
    r = await bulk(
        client,
        shanghai,
        SH_STREET,
        YEAR,
        [{"worker_id": moved["worker"], "result": "合格", **SCORES}],
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["rows.0.worker_id"]
    assert errors[0]["message"] == f"Worker {moved['worker']} not found / 未找到"
