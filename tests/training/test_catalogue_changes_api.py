"""Changing and retiring catalogue items: a partial change of the fields given, region
scope (404 outside it, 403 for a wider jurisdiction's item the caller only sees),
bad input refused whole, and retirement instead of deletion for what classes name
(409 while a class has not ended; a retired item stays readable by id, leaves the
lists, and no new class may use it). Resources are deleted outright."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china
from tests.support.tokens import Tokens
from tests.training.helpers import API, course, klass, post

ENDED = ("2025-03-03", "2025-03-05")


async def base(
    client: httpx.AsyncClient, headers: dict[str, str], **changes: object
) -> dict[str, Any]:
    body = {
        "kind": "training",
        "name": "越秀区社工培训基地",
        "jurisdiction": "440103",
        "location_code": "440103001001",
        "capacity": 40,
    }
    body.update(changes)
    return await post(client, headers, "/bases", body)


async def trainer(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    body = {
        "name": "李老师",
        "affiliation": "广州市委党校",
        "expertise": ["mediation"],
        "jurisdiction": "440103",
    }
    return await post(client, headers, "/trainers", body)


async def test_a_course_changes_the_fields_given_and_refuses_bad_input_whole(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await course(client, operator)
    url = f"{API}/courses/{c['id']}"
    r = await client.patch(
        url,
        headers=operator,
        json={"title": "调解实务（修订）", "topics": ["mediation", "coordination"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["topics"], r.json()["hours"]) == (
        "调解实务（修订）",
        ["coordination", "mediation"],
        8,
    )
    bad = [
        {},  # nothing to change
        {"hours": None},  # cannot be emptied
        {"hours": 0},
        {"hours": 501},
        {"level": "galactic"},
        {"topics": []},
        {"topics": ["astrology"]},
        {"title": "a\u202eb"},  # a bidi override
        {"jurisdiction": "4401x"},
        {"colour": "red"},  # no such field
    ]
    for body in bad:
        r = await client.patch(url, headers=operator, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get(url, headers=operator)
    assert (r.json()["title"], r.json()["hours"], r.json()["retired"]) == (
        "调解实务（修订）",
        8,
        False,
    )
    missing = await client.patch(
        f"{API}/courses/0190f5c2-1c2d-7e3f-8a4b-000000000000", headers=operator, json={"hours": 4}
    )
    assert missing.status_code == 404


async def test_a_course_with_classes_keeps_its_hours_and_delivery(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await course(client, operator)
    await klass(client, operator, c["id"])
    url = f"{API}/courses/{c['id']}"
    for body in ({"hours": 12}, {"delivery": "online"}):
        r = await client.patch(url, headers=operator, json=body)
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "urn:cwp:problem:course-has-classes"
    assert (await client.patch(url, headers=operator, json={"hours": 8})).status_code == 200
    assert (await client.get(url, headers=operator)).json()["hours"] == 8


async def test_scope_decides_who_changes_what(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    provincial = await course(client, operator, jurisdiction="44", level="provincial")
    district = await course(client, operator)
    yuexiu = tokens.headers(["operator"], region="440103")
    shanghai = tokens.headers(["operator"], region="31")
    # A district sees the province's course but may not change or retire it.
    r = await client.patch(f"{API}/courses/{provincial['id']}", headers=yuexiu, json={"hours": 4})
    assert r.status_code == 403
    assert (
        await client.post(f"{API}/courses/{provincial['id']}/retire", headers=yuexiu)
    ).status_code == 403
    # Nor move its own course out of its region.
    r = await client.patch(
        f"{API}/courses/{district['id']}", headers=yuexiu, json={"jurisdiction": "4401"}
    )
    assert r.status_code == 403
    # Another province does not find them at all.
    for c in (provincial, district):
        r = await client.patch(f"{API}/courses/{c['id']}", headers=shanghai, json={"hours": 4})
        assert r.status_code == 404
        assert (
            await client.post(f"{API}/courses/{c['id']}/retire", headers=shanghai)
        ).status_code == 404
    # A viewer writes nothing.
    viewer = tokens.headers(["viewer"], region="440103")
    r = await client.patch(f"{API}/courses/{district['id']}", headers=viewer, json={"hours": 4})
    assert r.status_code == 403
    got = (await client.get(f"{API}/courses/{district['id']}", headers=operator)).json()
    assert (got["hours"], got["jurisdiction"], got["retired"]) == (8, "440103", False)


async def test_a_course_is_retired_not_deleted_and_not_while_a_class_runs(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    today = today_in_china()
    c = await course(client, operator)
    running = await klass(
        client, operator, c["id"], starts_on=str(today), ends_on=str(today + timedelta(days=2))
    )
    url = f"{API}/courses/{c['id']}"
    r = await client.post(f"{url}/retire", headers=operator)
    assert r.status_code == 409
    assert r.json()["type"] == "urn:cwp:problem:in-use"
    # Once its classes have ended it retires.
    ended = await course(client, operator, title="已结课课程")
    past = await klass(client, operator, ended["id"], starts_on=ENDED[0], ends_on=ENDED[1])
    gone = f"{API}/courses/{ended['id']}"
    assert (await client.post(f"{gone}/retire", headers=operator)).status_code == 204
    kept = await client.get(gone, headers=operator)
    assert (kept.status_code, kept.json()["retired"]) == (200, True)
    assert (await client.get(f"{API}/classes/{past['id']}", headers=operator)).status_code == 200
    listed = (await client.get(f"{API}/courses", headers=operator)).json()["items"]
    assert [x["id"] for x in listed] == [c["id"]]
    # Retired: no change, no second retirement, no new class.
    assert (await client.patch(gone, headers=operator, json={"title": "复用"})).status_code == 409
    assert (await client.post(f"{gone}/retire", headers=operator)).status_code == 409
    r = await client.post(
        f"{API}/classes",
        headers=operator,
        json={
            "course_id": ended["id"],
            "jurisdiction": "440103",
            "title": "新班",
            "starts_on": "2026-03-03",
            "ends_on": "2026-03-05",
            "capacity": 2,
        },
    )
    assert (r.status_code, r.json()["type"]) == (409, "urn:cwp:problem:retired")
    assert running["id"]


async def test_bases_keep_room_for_their_classes_and_retire(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    b = await base(client, operator)
    c = await course(client, operator)
    await klass(
        client,
        operator,
        c["id"],
        base_id=b["id"],
        capacity=30,
        starts_on=ENDED[0],
        ends_on=ENDED[1],
    )
    url = f"{API}/bases/{b['id']}"
    r = await client.patch(url, headers=operator, json={"capacity": 29})
    assert (r.status_code, r.json()["type"]) == (409, "urn:cwp:problem:capacity-below-classes")
    for body in ({"capacity": 0}, {"location_code": "4401"}, {"kind": "school"}, {"name": None}):
        assert (await client.patch(url, headers=operator, json=body)).status_code == 422, body
    r = await client.patch(url, headers=operator, json={"capacity": 30, "address": "解放北路1号"})
    assert (r.status_code, r.json()["capacity"], r.json()["address"]) == (200, 30, "解放北路1号")
    r = await client.patch(url, headers=operator, json={"address": None})
    assert r.json()["address"] is None
    yuexiu = tokens.headers(["operator"], region="440103")
    r = await client.patch(url, headers=yuexiu, json={"location_code": "310101002001"})
    assert r.status_code == 403  # a place outside the caller's region
    assert (await client.get(url, headers=operator)).json()["location_code"] == "440103001001"
    assert (await client.post(f"{url}/retire", headers=operator)).status_code == 204
    assert (await client.get(url, headers=operator)).json()["retired"] is True
    assert (await client.get(f"{API}/bases", headers=operator)).json()["items"] == []


async def test_trainers_retire_when_no_running_class_names_them(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    today = today_in_china()
    t = await trainer(client, operator)
    c = await course(client, operator)
    k = await klass(
        client,
        operator,
        c["id"],
        trainer_ids=[t["id"]],
        starts_on=str(today),
        ends_on=str(today + timedelta(days=1)),
    )
    url = f"{API}/trainers/{t['id']}"
    r = await client.patch(url, headers=operator, json={"expertise": ["mass_work", "mediation"]})
    assert (r.status_code, r.json()["expertise"]) == (200, ["mass_work", "mediation"])
    assert (await client.patch(url, headers=operator, json={"expertise": []})).status_code == 422
    assert (await client.post(f"{url}/retire", headers=operator)).status_code == 409
    assert k["id"]
    other = await trainer(client, operator)
    assert (
        await client.post(f"{API}/trainers/{other['id']}/retire", headers=operator)
    ).status_code == 204
    r = await client.post(
        f"{API}/classes",
        headers=operator,
        json={
            "course_id": c["id"],
            "jurisdiction": "440103",
            "title": "新班",
            "starts_on": "2026-03-03",
            "ends_on": "2026-03-05",
            "capacity": 2,
            "trainer_ids": [other["id"]],
        },
    )
    assert r.status_code == 409
    listed = (await client.get(f"{API}/trainers", headers=operator)).json()["items"]
    assert [x["id"] for x in listed] == [t["id"]]


async def test_resources_change_and_are_deleted(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    res = await post(
        client,
        operator,
        "/resources",
        {
            "title": "调解案例",
            "kind": "case",
            "topics": ["mediation"],
            "url": "https://example.org/a",
            "jurisdiction": "440103",
        },
    )
    url = f"{API}/resources/{res['id']}"
    for body in ({"url": "not a url"}, {"kind": "podcast"}, {}, {"title": None}):
        assert (await client.patch(url, headers=operator, json=body)).status_code == 422, body
    r = await client.patch(url, headers=operator, json={"url": "https://example.org/b"})
    assert r.json()["url"] == "https://example.org/b"
    shanghai = tokens.headers(["operator"], region="31")
    assert (await client.delete(url, headers=shanghai)).status_code == 404
    assert (await client.delete(url, headers=operator)).status_code == 204
    assert (await client.get(url, headers=operator)).status_code == 404
    assert (await client.delete(url, headers=operator)).status_code == 404
