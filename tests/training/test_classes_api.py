"""Classes: capacity and waiting lists, bulk enrolment by place and position,
attendance, online progress, completion and scores; every refusal writes nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cwp_training.classes.models import Attendance, Enrolment
from tests.support.tokens import Tokens
from tests.training.helpers import API, GD, GD_2, GD_STREET_2, count, course, klass, post, register


async def enrol(
    client: httpx.AsyncClient, headers: dict[str, str], class_id: str, worker: str, **more: object
) -> httpx.Response:
    return await client.post(
        f"{API}/classes/{class_id}/enrolments", headers=headers, json={"worker_id": worker, **more}
    )


async def test_a_full_class_refuses_or_waitlists_and_a_withdrawal_frees_the_place(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await klass(client, operator, (await course(client, operator))["id"])
    a, b, late = [await register(app) for _ in range(3)]
    assert (await enrol(client, operator, c["id"], a)).status_code == 201
    assert (await enrol(client, operator, c["id"], b)).status_code == 201
    full = await enrol(client, operator, c["id"], late)
    assert full.status_code == 409
    assert full.json()["type"] == "urn:cwp:problem:class-full"
    assert await count(app, Enrolment) == 2
    waiting = await enrol(client, operator, c["id"], late, waitlist=True)
    assert waiting.json()["status"] == "waitlisted"
    again = await enrol(client, operator, c["id"], a)
    assert again.status_code == 409
    r = await client.post(f"{API}/classes/{c['id']}/enrolments/{a}/withdraw", headers=operator)
    assert r.json()["status"] == "withdrawn"
    listed = await client.get(
        f"{API}/classes/{c['id']}/enrolments", headers=operator, params={"status": "enrolled"}
    )
    assert {e["worker_id"] for e in listed.json()["items"]} == {b, late}
    got = await client.get(f"{API}/classes/{c['id']}", headers=operator)
    assert (got.json()["enrolled"], got.json()["waitlisted"]) == (2, 0)


async def test_bulk_enrolment_by_street_and_position_is_all_or_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await klass(client, operator, (await course(client, operator))["id"], capacity=3)
    secretaries = [
        await register(app, community_code=code, position="party_secretary") for code in (GD, GD_2)
    ]
    await register(app, community_code=GD, position="full_time_worker")
    await register(app, community_code=GD_STREET_2, position="party_secretary")  # other street
    url = f"{API}/classes/{c['id']}/enrolments/bulk"
    r = await client.post(
        url, headers=operator, json={"street": GD[:9], "position": "party_secretary"}
    )
    assert r.json() == {"enrolled": 2, "waitlisted": 0, "already": 0}
    enrolled = await client.get(f"{API}/classes/{c['id']}/enrolments", headers=operator)
    assert {e["worker_id"] for e in enrolled.json()["items"]} == set(secretaries)
    # The whole street now needs 2 more places than the 1 left: refused, nothing written.
    await register(app, community_code=GD)
    r = await client.post(url, headers=operator, json={"street": GD[:9]})
    assert r.status_code == 409
    assert await count(app, Enrolment) == 2
    r = await client.post(url, headers=operator, json={"street": GD[:9], "waitlist": True})
    assert r.json() == {"enrolled": 1, "waitlisted": 1, "already": 2}
    bad = await client.post(url, headers=operator, json={"street": GD[:9], "community_code": GD})
    assert bad.status_code == 422


async def test_attendance_for_a_worker_not_enrolled_or_off_dates_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await klass(client, operator, (await course(client, operator))["id"])
    a, stranger = await register(app), await register(app)
    assert (await enrol(client, operator, c["id"], a)).status_code == 201
    url = f"{API}/classes/{c['id']}/attendance"
    rows = [
        {"worker_id": a, "day": "2025-03-03", "minutes": 240},
        {"worker_id": stranger, "day": "2025-03-03", "minutes": 240},
        {"worker_id": a, "day": "2025-03-09", "minutes": 240},
    ]
    r = await client.post(url, headers=operator, json={"records": rows})
    assert r.status_code == 422
    assert [e["row"] for e in r.json()["errors"]] == [2, 3]
    assert await count(app, Attendance) == 0
    r = await client.post(url, headers=operator, json={"records": rows[:1]})
    assert r.json() == {"recorded": 1}
    twice = await client.post(url, headers=operator, json={"records": rows[:1]})
    assert twice.status_code == 422
    too_long = [{"worker_id": a, "day": "2025-03-04", "minutes": 721}]
    assert (await client.post(url, headers=operator, json={"records": too_long})).status_code == 422
    assert await count(app, Attendance) == 1


async def test_online_minutes_become_hours_when_the_course_is_complete(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    online = await course(client, operator, delivery="online", hours=2)
    c = await klass(client, operator, online["id"], capacity=100)
    a = await register(app)
    await enrol(client, operator, c["id"], a)
    url = f"{API}/classes/{c['id']}/progress"
    r = await client.post(url, headers=operator, json={"worker_id": a, "minutes": 90})
    assert (r.json()["status"], r.json()["hours_studied"]) == ("enrolled", "1.50")
    assert await count(app, Attendance) == 0
    r = await client.post(url, headers=operator, json={"worker_id": a, "minutes": 45})
    assert r.json()["status"] == "completed"
    async with app.state.runtime.sessions() as s:
        from sqlalchemy import select

        [credited] = (await s.scalars(select(Attendance.minutes))).all()
    assert credited == 120  # the course's hours, not the 135 minutes studied
    in_person = await klass(client, operator, (await course(client, operator))["id"])
    await enrol(client, operator, in_person["id"], a)
    r = await client.post(
        f"{API}/classes/{in_person['id']}/progress",
        headers=operator,
        json={"worker_id": a, "minutes": 5},
    )
    assert r.status_code == 409


async def test_scores_only_where_the_class_has_them_and_in_range(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    scored = await klass(client, operator, (await course(client, operator))["id"], scored=True)
    a = await register(app)
    await enrol(client, operator, scored["id"], a)
    url = f"{API}/classes/{scored['id']}/completions"
    for bad in (
        {"worker_id": a},
        {"worker_id": a, "score": "100.5"},
        {"worker_id": a, "score": "-3"},
    ):
        r = await client.post(url, headers=operator, json=bad)
        assert r.status_code == 422, r.text
    r = await client.post(url, headers=operator, json={"worker_id": a, "score": "88.5"})
    assert (r.json()["status"], r.json()["score"]) == ("completed", "88.5")
    unscored = await klass(client, operator, (await course(client, operator))["id"])
    await enrol(client, operator, unscored["id"], a)
    r = await client.post(
        f"{API}/classes/{unscored['id']}/completions",
        headers=operator,
        json={"worker_id": a, "score": "70"},
    )
    assert r.status_code == 422
    stranger = await register(app)
    r = await client.post(url, headers=operator, json={"worker_id": stranger, "score": "70"})
    assert r.status_code == 409


async def test_catalogue_by_topic_and_trainee_ratings(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    national = await course(client, operator, jurisdiction="", level="national")
    assert national["jurisdiction"] == ""  # a national operator may publish it
    base = await post(
        client,
        operator,
        "/bases",
        {
            "kind": "practice",
            "name": "越秀实践基地",
            "jurisdiction": "440103",
            "location_code": GD,
            "capacity": 30,
        },
    )
    trainer = await post(
        client,
        operator,
        "/trainers",
        {
            "name": "李老师",
            "affiliation": "广州市委党校",
            "expertise": ["mediation"],
            "jurisdiction": "44",
        },
    )
    c = await klass(
        client, operator, national["id"], base_id=base["id"], trainer_ids=[trainer["id"]]
    )
    body = {
        "course_id": national["id"],
        "base_id": base["id"],
        "jurisdiction": "440103",
        "title": "超员班",
        "starts_on": "2025-03-03",
        "ends_on": "2025-03-05",
        "capacity": 31,
    }
    too_big = await client.post(f"{API}/classes", headers=operator, json=body)
    assert too_big.json()["errors"][0]["field"] == "capacity"
    assert too_big.status_code == 422
    a = await register(app)
    rate = {"class_id": c["id"], "worker_id": a, "score": 5}
    r = await client.post(f"{API}/trainers/{trainer['id']}/ratings", headers=operator, json=rate)
    assert r.status_code == 409  # not a trainee yet
    await enrol(client, operator, c["id"], a)
    r = await client.post(f"{API}/trainers/{trainer['id']}/ratings", headers=operator, json=rate)
    assert (r.json()["ratings"], r.json()["average_rating"]) == (1, "5.00")
    out_of_range = await client.post(
        f"{API}/trainers/{trainer['id']}/ratings", headers=operator, json={**rate, "score": 6}
    )
    assert out_of_range.status_code == 422
    await post(
        client,
        operator,
        "/resources",
        {
            "title": "人民调解典型案例",
            "kind": "case",
            "topics": ["mediation"],
            "url": "https://example.org/cases/1",
            "jurisdiction": "44",
        },
    )
    await post(
        client,
        operator,
        "/resources",
        {
            "title": "应急演练视频",
            "kind": "video",
            "topics": ["emergency_response"],
            "url": "https://example.org/v/2",
            "jurisdiction": "44",
        },
    )
    found = await client.get(f"{API}/resources", headers=operator, params={"topic": "mediation"})
    assert [x["title"] for x in found.json()["items"]] == ["人民调解典型案例"]
    found = await client.get(f"{API}/resources", headers=operator, params={"q": "应急"})
    assert [x["kind"] for x in found.json()["items"]] == ["video"]
    courses = await client.get(f"{API}/courses", headers=operator, params={"topic": "rule_of_law"})
    assert len(courses.json()["items"]) == 1


async def test_a_district_sees_national_courses_and_writes_only_in_its_region(
    client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    national = await course(client, operator, jurisdiction="", level="national")
    district = tokens.headers(["operator"], region="440103")
    listed = await client.get(f"{API}/courses", headers=district)
    assert [c["id"] for c in listed.json()["items"]] == [national["id"]]
    r = await client.post(
        f"{API}/courses",
        headers=district,
        json={
            **{k: v for k, v in national.items() if k not in ("id", "retired")},
            "jurisdiction": "44",
        },
    )
    assert r.status_code == 403
    shanghai = tokens.headers(["operator"], region="31")
    own = await course(client, shanghai, jurisdiction="3101")
    assert (await client.get(f"{API}/courses/{own['id']}", headers=district)).status_code == 404
