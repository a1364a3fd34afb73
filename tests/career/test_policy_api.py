"""The policy corrections (issue 7 §2) end to end through the career service: the
registry's facts (start of the post, concurrent posts, 学位, retirement date) in, grades,
eligibility, quotas, exit recommendations and example flags out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from cwp_common.events.contracts import (
    ExitRecommended,
    GradeAssigned,
    GradeChanged,
    WorkerTransferred,
)
from tests.career.helpers import (
    API,
    GD,
    GD_SZ,
    SH,
    deliver,
    envelope,
    facts,
    ladder,
    outbox,
    publish,
    register,
    transfer,
    worker,
    years_ago,
)
from tests.career.test_assessments_api import assess

LAST_YEAR = today().year - 1
STREET = GD[:9]


async def eligible(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get(f"{API}/eligibility/public-institution", headers=headers)
    assert r.status_code == 200, r.text
    return {x["worker_id"]: x for x in r.json()["items"]}


async def test_a_one_year_secretary_is_not_eligible(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Eleven years in the community; the registry says the post began a year ago.
    long_ago = years_ago(11)
    one_year = await register(
        app, position="party_secretary", service_start_date=long_ago, position_since=years_ago(1)
    )
    full_term = await register(
        app, position="party_secretary", service_start_date=long_ago, position_since=years_ago(6)
    )
    # 主任 for a year, and secretary concurrently (书记兼主任) for six: a full term.
    concurrent = await register(
        app,
        position="committee_director",
        service_start_date=long_ago,
        position_since=years_ago(1),
        concurrent_posts=[{"position": "party_secretary", "since": years_ago(6).isoformat()}],
    )
    found = await eligible(client, admin)
    assert sorted(found) == sorted([full_term, concurrent])
    assert one_year not in found
    # The fallback's criteria are example data, and the answer says so.
    assert {x["example"] for x in found.values()} == {True}
    w = await worker(client, admin, concurrent)
    assert w["category"] == "principal"  # graded by the higher post
    assert w["concurrent_posts"] == [
        {"position": "party_secretary", "since": years_ago(6).isoformat()}
    ]


async def test_grade_events_and_answers_mark_example_coefficients(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wid = await register(app, service_start_date=years_ago(4))
    [assigned] = await outbox(app)
    assert assigned.type == GradeAssigned.type
    assert GradeAssigned.model_validate(assigned.data).example is True
    assert (await worker(client, admin, wid))["example"] is True
    # 广东 publishes its own coefficients: the regrade's events and answers are real.
    await publish(client, admin, ladder(jurisdiction="44", step_years=2, examples=[]))
    changed = [e for e in await outbox(app) if e.type == GradeChanged.type]
    assert [GradeChanged.model_validate(e.data).example for e in changed] == [False]
    w = await worker(client, admin, wid)
    assert (w["example"], w["history"][-1]["inputs"]["example"]) == (False, False)


async def test_the_excellent_quota_is_counted_per_street(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], admin: dict[str, str]
) -> None:
    # Six workers in each of two communities of one street (REFERENCE §4: ≈6 each).
    a = [await register(app) for _ in range(6)]
    b = [await register(app, community_code=f"{STREET}002") for _ in range(6)]
    for i, wid in enumerate(a):
        r = await assess(client, operator, wid, LAST_YEAR, "优秀" if i < 2 else "合格")
        assert r.status_code == 201
    for wid in b:
        assert (await assess(client, operator, wid, LAST_YEAR, "合格")).status_code == 201
    body = {"community_code": GD, "year": LAST_YEAR}
    # 2 优秀 of 12 in the street is within the fallback's 20% counted per street; per
    # community it would be 2 of 6 (1 allowed).
    r = await client.post(f"{API}/assessments/confirm", headers=operator, json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["confirmed"]) == 6


async def test_a_ladder_may_count_the_quota_per_community(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], admin: dict[str, str]
) -> None:
    per_community = ladder(jurisdiction="44", effective_date=f"{LAST_YEAR - 1}-01-01", examples=[])
    per_community["assessment"]["excellent_cap_unit"] = "community"
    await publish(client, admin, per_community)
    a = [await register(app) for _ in range(6)]
    b = [await register(app, community_code=f"{STREET}002") for _ in range(6)]
    for i, wid in enumerate(a):
        await assess(client, operator, wid, LAST_YEAR, "优秀" if i < 2 else "合格")
    for wid in b:
        await assess(client, operator, wid, LAST_YEAR, "合格")
    body = {"community_code": GD, "year": LAST_YEAR}
    r = await client.post(f"{API}/assessments/confirm", headers=operator, json=body)
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:excellent-cap-exceeded"
    assert f"{GD} {LAST_YEAR}: 2 of 6" in r.json()["detail"]
    assert "example" not in r.json()["detail"]  # 广东's own cap, not the fallback's


async def test_exit_recommendation_by_category(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    # 书记兼主任 on a labour contract: contract ended, asked to resign or recalled as an
    # elected member, and the Party post under Party rules (REFERENCE §2.2, 广州 2018).
    wid = await register(
        app,
        position="party_secretary",
        employment_type="labour_contract",
        service_start_date=years_ago(8),
        concurrent_posts=[{"position": "committee_director", "since": years_ago(3).isoformat()}],
    )
    for year in (LAST_YEAR - 1, LAST_YEAR):
        a = (await assess(client, operator, wid, year, "不合格")).json()
        r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    [rec] = r.json()["exit_recommendations"]
    assert rec["tracks"] == ["contract", "elected", "party"]
    assert "罢免" in rec["reason"]
    assert "党内" in rec["reason"]
    [event] = [e for e in await outbox(app) if e.type == ExitRecommended.type]
    assert ExitRecommended.model_validate(event.data).tracks == ["contract", "elected", "party"]
    # A full-time worker on a public-institution post has only their status's rules.
    staff = await register(
        app, employment_type="public_institution", service_start_date=years_ago(8)
    )
    for year in (LAST_YEAR - 1, LAST_YEAR):
        a = (await assess(client, operator, staff, year, "不合格")).json()
        r = await client.post(f"{API}/assessments/{a['id']}/confirm", headers=operator)
    assert r.json()["exit_recommendations"][0]["tracks"] == ["staff"]


async def test_a_move_within_the_province_keeps_the_grade(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # 深圳 grades one step every 5 years: 9 years would give 1 + 1 = 2 there, but the
    # grade earned in 广州 (1 + 3 = 4) is recognised (省内互认, REFERENCE §1).
    start = years_ago(9, 30)
    shenzhen = await publish(
        client, admin, ladder(jurisdiction="4403", effective_date="2024-01-01", step_years=5)
    )
    wid = await register(app, at=years_ago(0, 60), service_start_date=start)
    assert (await worker(client, admin, wid))["grade"] == 4
    await transfer(
        app, wid, today() - timedelta(days=3), True, community_code=GD_SZ, service_start_date=start
    )
    w = await worker(client, admin, wid)
    assert (w["community_code"], w["grade"], w["grade_floor"]) == (GD_SZ, 4, 4)
    # Graded under 深圳's ladder now; the grade did not change, so no history row.
    assert w["ladder_id"] == shenzhen["id"]
    assert "transferred" not in [h["reason"] for h in w["history"]]


async def test_a_ladder_that_regrades_movers(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    start = years_ago(9, 30)
    regrades = ladder(jurisdiction="4403", effective_date="2024-01-01", step_years=5)
    regrades["movers"] = {"within_province": "carry_years", "from_other_province": "reset"}
    await publish(client, admin, regrades)
    wid = await register(app, at=years_ago(0, 60), service_start_date=start)
    await transfer(
        app, wid, today() - timedelta(days=3), True, community_code=GD_SZ, service_start_date=start
    )
    w = await worker(client, admin, wid)
    assert (w["grade"], w["grade_floor"]) == (2, None)


async def test_a_province_that_carries_years_from_elsewhere(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    carries = ladder(jurisdiction="44", effective_date="2024-01-01")
    carries["movers"] = {"within_province": "keep_grade", "from_other_province": "carry_years"}
    await publish(client, admin, carries)
    start = years_ago(9, 30)
    wid = await register(app, at=years_ago(0, 60), community_code=SH, service_start_date=start)
    moved = WorkerTransferred(
        **facts(worker_id=wid, community_code=GD, service_start_date=start),
        from_community_code=SH,
        effective_date=today() - timedelta(days=2),
        service_years_carried=False,
    )
    await deliver(app, envelope(moved))
    w = await worker(client, admin, wid)
    assert (w["community_code"], w["grade"], w["counted_from"]) == (GD, 1 + 3, None)


async def test_service_stops_counting_at_the_retirement_date(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Reached the retirement age two years ago: 20 years of service counted to then, 18.
    wid = await register(app, service_start_date=years_ago(20, 10), retirement_date=years_ago(2))
    w = await worker(client, admin, wid)
    assert (w["grade"], w["retirement_age_reached"]) == (1 + 6, True)
    inputs = w["history"][-1]["inputs"]
    assert (inputs["service_years"], inputs["retired"]) == (18, True)
    assert "retirement_date" not in w
    assert years_ago(2).isoformat() not in str(w)  # the date would reveal the birth date


async def test_shandong_degree_rule_as_data(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # REFERENCE §2.1, Shandong Art. 21, published for 山东 (37): both of 学历 and 学位 at
    # one level give grades, only one of them gives service years.
    shandong = ladder(
        jurisdiction="37",
        effective_date="2024-01-01",
        education_basis="both",
        education_bonus={"bachelor": 1, "master": 2, "doctorate": 3},
        single_credential_bonus={"bachelor": 1, "master": 3, "doctorate": 5},
        bonus_units={"single_credential": "years"},
        examples=[],
    )
    await publish(client, admin, shandong)
    code = "370102001001"  # 济南市历下区 …
    start = years_ago(10, 10)
    both = await register(
        app, community_code=code, education="master", degree="master", service_start_date=start
    )
    one = await register(
        app, community_code=code, education="master", degree="bachelor", service_start_date=start
    )
    assert (await worker(client, admin, both))["grade"] == 1 + 3 + 2  # 10 years, +2 grades
    w = await worker(client, admin, one)
    assert w["grade"] == 1 + 4  # 10 + 3 years = 13: 4 steps
    assert (w["degree"], w["history"][-1]["inputs"]["bonus_years"]) == ("bachelor", 3)


def test_old_events_without_the_new_facts_still_parse() -> None:
    old = facts()
    from cwp_common.events.contracts import WorkerRegistered

    parsed = WorkerRegistered.model_validate(old)
    assert (parsed.degree, parsed.position_since, parsed.concurrent_posts) == (None, None, [])
    assert parsed.retirement_date is None
    assert date.fromisoformat(str(old["hire_date"])) == parsed.hire_date
