"""Workers over HTTP: registration, masking, reading, lists, partial updates, lookup,
duplicates and the storage of ID numbers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import orjson
import pytest

from cwp_common.clock import today_in_china
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, SH_2, id_number

URL = "/api/v1/registry/workers"


@pytest.fixture
async def communities(registry: Registry) -> Registry:
    for code in (SH_1, SH_2, GD_1):
        await registry.add_community(code)
    return registry


async def test_register_returns_the_worker_masked_with_defaults(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=12)  # even sequence: female
    w = await reg.add_worker(id_number=number, phone="13912345678")
    assert w["id"]
    assert w["id_number"] == number[:6] + "********" + number[-4:]
    assert w["birth_date"] is None, "birth date would unmask the number"
    assert w["sex"] == "female"
    assert w["community_code"] == SH_1
    assert w["position"] == "full_time_worker"
    assert w["employment_type"] == "labour_contract"
    assert w["education"] == "below_junior_college"
    assert w["political_status"] == "masses"
    assert w["phone"] == "139****5678", "phones are masked like ID numbers"
    assert w["status"] == "active"
    assert w["hire_date"] == w["service_start_date"] == "2020-03-01"
    assert w["exit_reason"] is None
    assert w["exit_date"] is None

    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth("viewer"))
    assert r.status_code == 200
    assert r.json() == w


async def test_pii_role_sees_the_full_number_and_birth_date(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=13)
    w = await reg.add_worker(id_number=number)
    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth("viewer", "pii"))
    assert r.json()["id_number"] == number
    assert r.json()["birth_date"] == "1990-01-01"
    assert r.json()["sex"] == "male"
    await reg.client.patch(
        f"{URL}/{w['id']}", json={"phone": "13712345678"}, headers=reg.auth("operator", "pii")
    )
    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth("viewer", "pii"))
    assert r.json()["phone"] == "13712345678"
    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth("viewer"))
    assert r.json()["phone"] == "137****5678"
    r = await reg.client.get(URL, headers=reg.auth("viewer"))
    assert [x["phone"] for x in r.json()["items"] if x["id"] == w["id"]] == ["137****5678"]


async def test_lowercase_x_is_stored_as_upper_case(communities: Registry) -> None:
    reg = communities
    w = await reg.add_worker(id_number="11010519850712001x")
    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth("viewer", "pii"))
    assert r.json()["id_number"] == "11010519850712001X"
    # The same person written with an upper-case X is the same person.
    r = await reg.client.post(
        URL, json=reg.worker_body(id_number="11010519850712001X"), headers=reg.auth()
    )
    assert_problem(r, 409, "registered-elsewhere")


async def test_number_is_encrypted_and_hashed_at_rest(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=21)
    w = await reg.add_worker(id_number=number)
    (row,) = await reg.rows("SELECT id_number_cipher, id_number_hash FROM workers")
    assert row.id_number_cipher.startswith("v1:")
    assert number not in row.id_number_cipher
    assert number[-4:] not in row.id_number_cipher
    assert row.id_number_hash == reg.app.state.pii.digest(number)
    for (body,) in await reg.rows("SELECT body FROM outbox"):
        assert number.encode() not in body
        assert row.id_number_hash.encode() not in body
    assert w["id"] in {
        orjson.loads(b)["subject"] for (b,) in await reg.rows("SELECT body FROM outbox")
    }


async def test_all_fields_and_service_start_before_hire(communities: Registry) -> None:
    reg = communities
    w = await reg.add_worker(
        name="李四",
        position="party_secretary",
        employment_type="public_institution",
        education="master",
        political_status="cpc_member",
        hire_date="2021-01-01",
        service_start_date="2015-09-01",
        status="on_leave",
    )
    assert (w["position"], w["employment_type"], w["education"]) == (
        "party_secretary",
        "public_institution",
        "master",
    )
    assert (w["political_status"], w["status"]) == ("cpc_member", "on_leave")
    assert w["service_start_date"] == "2015-09-01"


async def test_registered_event_carries_facts_without_the_number(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=31)
    w = await reg.add_worker(id_number=number)
    (body,) = [
        b
        for (b,) in await reg.rows(
            "SELECT body FROM outbox WHERE type = :t", t="registry.worker.registered.v1"
        )
    ]
    event = orjson.loads(body)
    assert event["source"] == "cwp.registry"
    assert event["data"] == {
        "worker_id": w["id"],
        "name": "张三",
        "community_code": SH_1,
        "position": "full_time_worker",
        "employment_type": "labour_contract",
        "education": "below_junior_college",
        "sex": "male",
        "birth_date": "1990-01-01",
        "hire_date": "2020-03-01",
        "service_start_date": "2020-03-01",
        "status": "active",
        "degree": None,
        "position_since": "2020-03-01",
        "concurrent_posts": [],
        # Born 1990-01: 60 years would be 2050-01, 300 months into the raise, so the
        # full three years apply (2024 NPC Standing Committee decision).
        "retirement_date": "2053-01-01",
    }


async def test_duplicate_in_scope_names_the_record_and_writes_nothing(
    communities: Registry,
) -> None:
    reg = communities
    number = id_number(area="310101", seq=41)
    first = await reg.add_worker(id_number=number)
    before = await reg.counts()
    r = await reg.client.post(URL, json=reg.worker_body(SH_2, id_number=number), headers=reg.auth())
    body = assert_problem(r, 409, "registered-elsewhere")
    assert number not in r.text
    assert "not exited" in body["detail"]
    assert first["id"] in body["detail"]
    assert SH_1 in body["detail"]
    assert await reg.counts() == before


async def test_duplicate_outside_the_callers_scope_says_how_to_ask_for_a_transfer(
    communities: Registry,
) -> None:
    """The duplicate check is national; the answer names nothing outside the caller's
    region, only the way to have the worker transferred."""
    reg = communities
    number = id_number(area="440103", seq=42)
    gd = await reg.add_worker(GD_1, id_number=number)
    before = await reg.counts()
    r = await reg.client.post(
        URL, json=reg.worker_body(SH_1, id_number=number), headers=reg.auth(region="31")
    )
    body = assert_problem(r, 409, "registered-elsewhere")
    assert "outside your region" in body["detail"]
    assert "transfer" in body["detail"]
    for secret in (gd["id"], GD_1, GD_1[:6], number):
        assert secret not in r.text
    assert await reg.counts() == before


async def test_concurrent_registrations_of_one_person(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=43)
    results = await asyncio.gather(
        *(
            reg.client.post(URL, json=reg.worker_body(code, id_number=number), headers=reg.auth())
            for code in (SH_1, SH_2, SH_1, SH_2)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    assert (await reg.counts())["workers"] == 1


async def test_exited_person_may_be_registered_again(communities: Registry) -> None:
    reg = communities
    number = id_number(area="310101", seq=44)
    first = await reg.add_worker(id_number=number)
    r = await reg.client.post(
        f"{URL}/{first['id']}/exit",
        json={"reason": "resignation", "exit_date": "2022-01-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    second = await reg.add_worker(SH_2, id_number=number, hire_date="2023-01-01")
    assert second["id"] != first["id"]
    r = await reg.client.post(
        f"{URL}/lookup", json={"id_number": number}, headers=reg.auth("viewer", "pii")
    )
    assert r.json()["id"] == second["id"]


async def test_lookup_finds_the_current_worker_by_number(communities: Registry) -> None:
    reg = communities
    # Numbers from the helper's sequence: a fixed one could be the one another call draws.
    number, absent = id_number(), id_number()
    w = await reg.add_worker(id_number=number)
    await reg.add_worker()
    pii = reg.auth("viewer", "pii")
    r = await reg.client.post(
        f"{URL}/lookup", json={"id_number": f" {number.lower()} "}, headers=pii
    )
    assert r.status_code == 200, r.text
    assert r.json()["id"] == w["id"]
    assert r.json()["id_number"] == number

    r = await reg.client.post(f"{URL}/lookup", json={"id_number": absent}, headers=pii)
    assert_problem(r, 404, "not-found")
    r = await reg.client.post(f"{URL}/lookup", json={"id_number": number[:-1]}, headers=pii)
    assert_problem(r, 422, "invalid-id-number")


async def test_list_filters_and_pages(communities: Registry) -> None:
    reg = communities
    made = [
        await reg.add_worker(SH_1, position="party_secretary"),
        await reg.add_worker(SH_1),
        await reg.add_worker(SH_2, status="on_leave"),
        await reg.add_worker(GD_1),
        await reg.add_worker(GD_1, position="party_secretary"),
    ]
    ids = [w["id"] for w in made]

    async def listed(**params: str) -> list[str]:
        r = await reg.client.get(URL, params=params, headers=reg.auth("viewer"))
        assert r.status_code == 200, r.text
        return [w["id"] for w in r.json()["items"]]

    assert await listed() == ids, "ordered by the time-ordered id"
    assert await listed(region="31") == ids[:3]
    assert await listed(region="4401") == ids[3:]
    assert await listed(community_code=SH_1) == ids[:2]
    assert await listed(position="party_secretary") == [ids[0], ids[4]]
    assert await listed(status="on_leave") == [ids[2]]
    assert await listed(region="44", position="party_secretary") == [ids[4]]

    pages: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await reg.client.get(URL, params=params, headers=reg.auth("viewer"))
        pages += [w["id"] for w in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == ids


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": "ten"},
        {"region": "31x"},
        {"region": ""},
        {"community_code": "3101"},
        {"position": "mayor"},
        {"status": "retired"},
        {"cursor": "@@@"},
        {"cursor": "AAAA"},
    ],
)
async def test_bad_list_parameters_are_422(
    communities: Registry, params: dict[str, str | int]
) -> None:
    r = await communities.client.get(URL, params=params, headers=communities.auth("viewer"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_patch_changes_only_what_is_sent_and_says_so(communities: Registry) -> None:
    reg = communities
    w = await reg.add_worker(phone="13800000000")
    r = await reg.client.patch(
        f"{URL}/{w['id']}",
        json={"name": "张三丰", "education": "bachelor", "status": "on_leave", "phone": None},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["name"], got["education"], got["status"], got["phone"]) == (
        "张三丰",
        "bachelor",
        "on_leave",
        None,
    )
    assert got["position"] == w["position"]
    (body,) = [
        b
        for (b,) in await reg.rows(
            "SELECT body FROM outbox WHERE type = :t", t="registry.worker.updated.v1"
        )
    ]
    data = orjson.loads(body)["data"]
    assert data["changed"] == ["education", "name", "phone", "status"]
    assert data["status"] == "on_leave"


async def test_patch_without_a_change_emits_nothing(communities: Registry) -> None:
    reg = communities
    w = await reg.add_worker()
    before = await reg.counts()
    r = await reg.client.patch(
        f"{URL}/{w['id']}", json={"name": w["name"], "position": w["position"]}, headers=reg.auth()
    )
    assert r.status_code == 200
    assert r.json()["updated_at"] == w["updated_at"]
    assert await reg.counts() == before


async def test_patch_service_start_date(communities: Registry) -> None:
    reg = communities
    w = await reg.add_worker()
    r = await reg.client.patch(
        f"{URL}/{w['id']}", json={"service_start_date": "2012-05-01"}, headers=reg.auth()
    )
    assert r.json()["service_start_date"] == "2012-05-01"
    tomorrow = today_in_china() + timedelta(days=1)
    r = await reg.client.patch(
        f"{URL}/{w['id']}",
        json={"service_start_date": tomorrow.isoformat()},
        headers=reg.auth(),
    )
    assert_problem(r, 422, "date-in-future")
    r = await reg.client.patch(
        f"{URL}/{w['id']}", json={"service_start_date": "2005-12-31"}, headers=reg.auth()
    )
    body = assert_problem(r, 422, "under-minimum-age")
    assert body["errors"][0]["field"] == "service_start_date"


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"position": None},
        {"status": "exited"},
        {"status": "retired"},
        {"phone": "12345678901"},
        {"phone": "1391234567"},
        {"education": "phd"},
        {"id_number": "11010519491231002X"},
        {"community_code": SH_2},
        {"hire_date": "2019-01-01"},
    ],
)
async def test_patch_refuses_bad_or_forbidden_fields(communities: Registry, body: object) -> None:
    reg = communities
    w = await reg.add_worker()
    before = await reg.counts()
    r = await reg.client.patch(f"{URL}/{w['id']}", json=body, headers=reg.auth())
    assert_problem(r, 422, "validation-error")
    assert await reg.counts() == before
    r = await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth())
    assert r.json() == w


async def test_unknown_worker_is_404_everywhere(communities: Registry) -> None:
    reg = communities
    missing = "0190a1b2-0000-7000-8000-000000000000"
    calls = [
        reg.client.get(f"{URL}/{missing}", headers=reg.auth()),
        reg.client.patch(f"{URL}/{missing}", json={"name": "x"}, headers=reg.auth()),
        reg.client.post(
            f"{URL}/{missing}/transfer",
            json={"to_community_code": SH_2, "effective_date": "2024-01-01"},
            headers=reg.auth(),
        ),
        reg.client.post(
            f"{URL}/{missing}/exit",
            json={"reason": "other", "exit_date": "2024-01-01"},
            headers=reg.auth(),
        ),
        reg.client.get(f"{URL}/{missing}/transfers", headers=reg.auth()),
    ]
    for r in [await c for c in calls]:
        assert_problem(r, 404, "not-found")
    r = await reg.client.get(f"{URL}/not-a-uuid", headers=reg.auth())  # matches no route
    assert_problem(r, 404, "not-found")
