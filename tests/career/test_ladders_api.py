"""Ladders through the API: templates, publishing (and the regrade it queues), versions,
validation and conflicts that write nothing, preview."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from cwp_career.ladders.models import LadderVersion
from cwp_career.ladders.templates import national_fallback
from cwp_common.clock import today_in_china as today
from tests.career.helpers import (
    API,
    GD,
    GD_SZ,
    HISTORY,
    count,
    ladder,
    outbox,
    publish,
    register,
    worker,
    years_ago,
)
from tests.support.tokens import Tokens

LADDERS = LadderVersion.__table__


async def test_templates(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.get(f"{API}/templates", headers=admin)
    assert r.status_code == 200
    by_name = {t["name"]: t for t in r.json()}
    assert by_name["three-posts-18-grades"]["national_fallback"] is True
    assert by_name["four-posts-24-grades"]["ladder"]["step_years"] == 2
    r = await client.get(f"{API}/templates/four-posts-24-grades", headers=admin)
    assert r.status_code == 200
    assert [c["name"] for c in r.json()["ladder"]["categories"]] == [
        "正职",
        "副职",
        "委员",
        "专职工作人员",
    ]
    r = await client.get(f"{API}/templates/five-posts", headers=admin)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_the_fallback_is_readable_by_id(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.get(f"{API}/ladders/{national_fallback().id}", headers=admin)
    assert r.status_code == 200
    assert r.json()["builtin"] is True
    assert r.json()["scheme"] == "三岗十八级"


async def test_publish_regrades_the_jurisdiction(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # 委员, 7 years 30 days: 三岗 1 + 2 steps = 3; 四岗 委员 5 + 3 two-year steps = 8.
    member = await register(app, position="committee_member")
    shanghai = await register(app, position="committee_member", community_code="310101002001")
    assert (await worker(client, admin, member))["grade"] == 3
    body = ladder(
        "four-posts-24-grades", jurisdiction="44", effective_date=years_ago(1).isoformat()
    )
    published = await publish(client, admin, body)
    assert published["regrade_job_id"]
    job = (await client.get(f"{API}/regrade/{published['regrade_job_id']}", headers=admin)).json()
    assert (job["examined"], job["changed"], job["reason"]) == (1, 1, "ladder")
    w = await worker(client, admin, member)
    assert (w["category"], w["category_name"], w["grade"]) == ("member", "委员", 8)
    assert w["ladder_id"] == published["id"]
    assert w["pay_coefficient"] == "1.3500"
    last = w["history"][-1]
    assert (last["from_grade"], last["to_grade"], last["reason"]) == (3, 8, "ladder")
    assert last["ladder_id"] == published["id"]
    assert last["inputs"]["step_years"] == 2
    # Outside the jurisdiction nothing moved.
    assert (await worker(client, admin, shanghai))["grade"] == 3
    changed = [e for e in await outbox(app) if e.type == "career.grade.changed.v1"]
    assert [e.data["worker_id"] for e in changed] == [member]
    assert changed[0].data["previous_grade"] == 3
    assert changed[0].data["pay_coefficient"] == "1.3500"


async def test_versions_are_immutable_and_listed(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await publish(client, admin, ladder(jurisdiction="44", effective_date="2025-01-01"))
    again = await client.post(
        f"{API}/ladders", headers=admin, json=ladder(jurisdiction="44", effective_date="2025-01-01")
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:cwp:problem:ladder-exists"
    second = await publish(
        client,
        admin,
        ladder("four-posts-24-grades", jurisdiction="44", effective_date="2026-01-01"),
    )
    await publish(client, admin, ladder(jurisdiction="4401", effective_date="2025-01-01"))
    assert await count(app, LADDERS) == 3
    listed = await client.get(f"{API}/ladders", headers=admin, params={"jurisdiction": "44"})
    assert [x["id"] for x in listed.json()["items"]] == [first["id"], second["id"]]
    one = await client.get(f"{API}/ladders/{first['id']}", headers=admin)
    assert one.json()["step_years"] == 3
    assert one.json()["published_by"] == "tester"
    page = await client.get(f"{API}/ladders", headers=admin, params={"limit": 2})
    assert len(page.json()["items"]) == 2
    assert page.json()["next_cursor"]
    rest = await client.get(
        f"{API}/ladders", headers=admin, params={"limit": 2, "cursor": page.json()["next_cursor"]}
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None


async def test_invalid_ladder_is_refused_and_nothing_written(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = ladder(jurisdiction="44", effective_date="2025-01-01")
    body["categories"][1]["band"] = {"min": 8, "max": 16}
    body["assessment"]["passing"] = ["优秀", "良好"]
    del body["pay_coefficients"]["3"]
    r = await client.post(f"{API}/ladders", headers=admin, json=body)
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:invalid-ladder"
    assert {e["field"] for e in r.json()["errors"]} == {
        "categories.1.band",
        "assessment.passing",
        "pay_coefficients.3",
    }
    body = ladder(jurisdiction="44", effective_date="2025-01-01", step_years=0)
    r = await client.post(f"{API}/ladders", headers=admin, json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "step_years"
    r = await client.post(f"{API}/ladders", headers=admin, json={**ladder(), "unexpected": 1})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "unexpected"
    assert await count(app, LADDERS) == 0


async def test_only_admins_in_scope_publish(
    app: FastAPI, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    body = ladder(jurisdiction="44", effective_date="2025-01-01")
    operator = await client.post(f"{API}/ladders", headers=tokens.headers(["operator"]), json=body)
    assert operator.status_code == 403
    shanghai = await client.post(
        f"{API}/ladders", headers=tokens.headers(["admin"], region="31"), json=body
    )
    assert shanghai.status_code == 403
    assert shanghai.json()["type"] == "urn:cwp:problem:out-of-scope"
    # A prefecture admin may not publish for the whole province, nor nationally.
    gz = tokens.headers(["admin"], region="4401")
    assert (await client.post(f"{API}/ladders", headers=gz, json=body)).status_code == 403
    national = ladder(jurisdiction="", effective_date="2025-01-01")
    assert (await client.post(f"{API}/ladders", headers=gz, json=national)).status_code == 403
    ok = await client.post(
        f"{API}/ladders", headers=gz, json=ladder(jurisdiction="4401", effective_date="2025-01-01")
    )
    assert ok.status_code == 201
    assert await count(app, LADDERS) == 1
    assert (await client.post(f"{API}/ladders", json=body)).status_code == 401


async def test_a_future_version_waits_for_its_day(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await register(app, position="committee_member")
    future = (today() + timedelta(days=30)).isoformat()
    published = await publish(
        client, admin, ladder("four-posts-24-grades", jurisdiction="44", effective_date=future)
    )
    assert published["regrade_job_id"] is None
    assert (await worker(client, admin, member))["grade"] == 3


async def test_a_backdated_version_is_dated_from_its_effective_date(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Graded two years ago (the registration event is from then), re-graded now under a
    # ladder effective one year ago: the change is dated from the ladder's day.
    member = await register(app, at=years_ago(2), position="committee_member")
    effective = years_ago(1)
    await publish(
        client,
        admin,
        ladder("four-posts-24-grades", jurisdiction="44", effective_date=effective.isoformat()),
    )
    w = await worker(client, admin, member)
    assert w["history"][0]["effective_date"] == years_ago(2).isoformat()
    assert w["history"][-1]["effective_date"] == effective.isoformat()
    assert w["history"][-1]["reason"] == "ladder"


async def test_preview_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    gz = [await register(app, position="committee_member") for _ in range(2)]
    await register(app, position="party_secretary", education="bachelor")
    await register(app, position="full_time_worker", community_code=GD_SZ)
    await register(app, position="full_time_worker", community_code="310101002001")
    history_before = await count(app, HISTORY)
    body = ladder("four-posts-24-grades", jurisdiction="4401", effective_date=today().isoformat())
    r = await client.post(f"{API}/ladders/preview", headers=admin, json=body)
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["workers"], p["affected"], p["up"], p["down"]) == (3, 3, 3, 0)
    assert p["unchanged"] == 0
    moves = {(m["from_grade"], m["to_grade"]): m["count"] for m in p["moves"]}
    # 委员: 3 -> 8 twice; 正职 (7 + 2 + 1 = 10) -> 正职 13 + 3 + 1 = 17.
    assert moves == {(3, 8): 2, (10, 17): 1}
    # A province-wide preview also sees 深圳, whose worker it would regrade.
    body = ladder("four-posts-24-grades", jurisdiction="44", effective_date=today().isoformat())
    p = (await client.post(f"{API}/ladders/preview", headers=admin, json=body)).json()
    assert (p["workers"], p["affected"]) == (4, 4)
    assert await count(app, LADDERS) == 0
    assert await count(app, HISTORY) == history_before
    assert [(await worker(client, admin, w))["grade"] for w in gz] == [3, 3]


async def test_preview_leaves_out_workers_under_a_more_specific_ladder(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await register(app, position="committee_member")  # 广州
    await register(app, position="committee_member", community_code=GD_SZ)
    await publish(client, admin, ladder(jurisdiction="4401", effective_date="2020-01-01"))
    body = ladder("four-posts-24-grades", jurisdiction="44", effective_date=today().isoformat())
    p = (await client.post(f"{API}/ladders/preview", headers=admin, json=body)).json()
    assert (p["workers"], p["affected"], p["up"], p["unchanged"]) == (2, 1, 1, 1)


async def test_preview_validates_like_publish(
    client: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    body = ladder(jurisdiction="44", effective_date="2025-01-01")
    body["categories"][0]["band"] = {"min": 18, "max": 7}
    r = await client.post(f"{API}/ladders/preview", headers=admin, json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "categories.0.band"
    r = await client.post(
        f"{API}/ladders/preview",
        headers=tokens.headers(["admin"], region="31"),
        json=ladder(jurisdiction="44", effective_date="2025-01-01"),
    )
    assert r.status_code == 403


async def test_malformed_bodies(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.post(
        f"{API}/ladders",
        headers={**admin, "Content-Type": "application/json"},
        content=b'{"name": ',
    )
    assert r.status_code == 400
    assert r.json()["type"] == "urn:cwp:problem:malformed-json"
    r = await client.get(f"{API}/ladders/not-a-uuid", headers=admin)  # no such route
    assert r.status_code == 404
    r = await client.get(f"{API}/ladders", headers=admin, params={"cursor": "!!"})
    assert r.status_code == 422
    assert GD.startswith("44")
