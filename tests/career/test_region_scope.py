"""Region scope on every endpoint: a token for Shanghai (31) against data in Guangdong (44)
finds nothing, changes nothing, and is refused where it names a region outside its own.
The last test fails when an endpoint is added without being listed here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from tests.career.helpers import (
    API,
    GD,
    HISTORY,
    count,
    ladder,
    publish,
    register,
    worker,
    years_ago,
)
from tests.support.tokens import Tokens

YEAR = today().year - 1
SCORES = {"political_quality": 90, "work_performance": 90, "resident_satisfaction": 90}

# (method, path template) of every endpoint the scope test below exercises.
COVERED = {
    ("GET", "/assessments/summary"),
    ("GET", "/templates"),
    ("GET", "/templates/{name}"),
    ("POST", "/ladders"),
    ("GET", "/ladders"),
    ("GET", "/ladders/{ladder_id}"),
    ("POST", "/ladders/preview"),
    ("POST", "/regrade"),
    ("GET", "/regrade/{job_id}"),
    ("GET", "/workers"),
    ("GET", "/workers/{worker_id}"),
    ("POST", "/assessments"),
    ("POST", "/assessments/bulk"),
    ("POST", "/assessments/confirm"),
    ("GET", "/assessments"),
    ("GET", "/assessments/{assessment_id}"),
    ("PATCH", "/assessments/{assessment_id}"),
    ("POST", "/assessments/{assessment_id}/confirm"),
    ("GET", "/exit-recommendations"),
    ("GET", "/eligibility/{criterion}"),
}


@pytest.fixture
async def guangdong(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> dict[str, Any]:
    """A worker in 44 with a published ladder, a regrade job, a confirmed failing record
    that led to an exit recommendation, and a draft assessment."""
    wid = await register(app, position="party_secretary", service_start_date=years_ago(12))
    published = await publish(
        client, admin, ladder(jurisdiction="44", effective_date=years_ago(1).isoformat())
    )
    for year in (YEAR - 2, YEAR - 1):
        r = await client.post(
            f"{API}/assessments",
            headers=admin,
            json={"worker_id": wid, "year": year, "result": "不合格", **SCORES},
        )
        confirmed = await client.post(f"{API}/assessments/{r.json()['id']}/confirm", headers=admin)
        assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["exit_recommendations"]
    draft = await client.post(
        f"{API}/assessments",
        headers=admin,
        json={"worker_id": wid, "year": YEAR, "result": "合格", **SCORES},
    )
    assert draft.status_code == 201
    return {
        "worker": wid,
        "ladder": published["id"],
        "job": published["regrade_job_id"],
        "assessment": draft.json()["id"],
        "snapshot": await worker(client, admin, wid),
    }


async def test_a_shanghai_token_cannot_reach_guangdong(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    tokens: Tokens,
    guangdong: dict[str, Any],
) -> None:
    sh = tokens.headers(["admin", "operator", "viewer"], region="31")
    wid, aid = guangdong["worker"], guangdong["assessment"]
    history = await count(app, HISTORY)

    async def call(method: str, path: str, **kw: Any) -> httpx.Response:
        return await client.request(method, f"{API}{path}", headers=sh, **kw)

    # Reference data shared by every region.
    assert (await call("GET", "/templates")).status_code == 200
    assert (await call("GET", "/templates/three-posts-18-grades")).status_code == 200
    # Ladders.
    body = ladder(jurisdiction="44", effective_date="2030-01-01")
    assert (await call("POST", "/ladders", json=body)).status_code == 403
    assert (await call("POST", "/ladders/preview", json=body)).status_code == 403
    listed = await call("GET", "/ladders")
    assert listed.status_code == 200
    assert guangdong["ladder"] not in [x["id"] for x in listed.json()["items"]]
    assert (await call("GET", f"/ladders/{guangdong['ladder']}")).status_code == 404
    # Regrade jobs.
    assert (await call("POST", "/regrade", json={"jurisdiction": "44"})).status_code == 403
    own = await call("POST", "/regrade", json={})
    assert own.status_code == 202
    assert own.json()["jurisdiction"] == "31"
    assert (await call("GET", f"/regrade/{guangdong['job']}")).status_code == 404
    # Workers.
    assert (await call("GET", "/workers")).json()["items"] == []
    assert (await call("GET", "/workers", params={"region": "44"})).json()["items"] == []
    assert (await call("GET", f"/workers/{wid}")).status_code == 404
    # Assessments.
    new = {"worker_id": wid, "year": YEAR - 3, "result": "合格", **SCORES}
    assert (await call("POST", "/assessments", json=new)).status_code == 404
    bulk = {
        "unit": GD[:9],
        "year": YEAR - 3,
        "rows": [{"worker_id": wid, "result": "合格", **SCORES}],
    }
    assert (await call("POST", "/assessments/bulk", json=bulk)).status_code == 403
    confirm = {"community_code": GD, "year": YEAR}
    assert (await call("POST", "/assessments/confirm", json=confirm)).status_code == 403
    assert (await call("GET", "/assessments")).json()["items"] == []
    assert (await call("GET", "/assessments", params={"worker_id": wid})).json()["items"] == []
    assert (await call("GET", f"/assessments/{aid}")).status_code == 404
    assert (await call("PATCH", f"/assessments/{aid}", json={"result": "优秀"})).status_code == 404
    assert (await call("POST", f"/assessments/{aid}/confirm")).status_code == 404
    assert (await call("GET", "/exit-recommendations")).json()["items"] == []
    summary = await call("GET", "/assessments/summary", params={"region": "44"})
    assert summary.json()["years"] == []
    seen = await client.get(f"{API}/assessments/summary", params={"region": "44"}, headers=admin)
    assert seen.json()["years"], "the national reader sees Guangdong's confirmed results"
    # Eligibility: the 44 secretary qualifies, but not for a Shanghai reader.
    assert (await call("GET", "/eligibility/public-institution")).json()["items"] == []
    national = await client.get(f"{API}/eligibility/public-institution", headers=admin)
    assert [x["worker_id"] for x in national.json()["items"]] == [wid]

    # Nothing in 44 changed.
    assert await worker(client, admin, wid) == guangdong["snapshot"]
    assert await count(app, HISTORY) == history
    draft = await client.get(f"{API}/assessments/{aid}", headers=admin)
    assert (draft.json()["status"], draft.json()["result"]) == ("draft", "合格")
    assert (await client.get(f"{API}/exit-recommendations", headers=admin)).json()["items"]


async def test_every_endpoint_is_covered_by_the_scope_test(app: FastAPI) -> None:
    routes = {
        (method.upper(), path.removeprefix(API))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(API)
        for method in operations
    }
    assert routes == COVERED


async def test_tokens_are_required(client: httpx.AsyncClient, tokens: Tokens) -> None:
    assert (await client.get(f"{API}/workers")).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert (await client.get(f"{API}/workers", headers=bad)).status_code == 401
    no_roles = tokens.headers(["pii"])
    assert (await client.get(f"{API}/workers", headers=no_roles)).status_code == 403
    viewer = tokens.headers(["viewer"])
    body = {
        "worker_id": "0190f5c2-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
        "year": YEAR,
        "result": "合格",
        **SCORES,
    }
    assert (await client.post(f"{API}/assessments", headers=viewer, json=body)).status_code == 403
