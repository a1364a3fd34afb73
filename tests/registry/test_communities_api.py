"""Communities over HTTP: create, update, read, list with a region filter and cursor, the
upserted event, and every malformed code refused without a write."""

from __future__ import annotations

import orjson
import pytest

from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, GD_2, SH_1, SH_2

URL = "/api/v1/registry/communities"


async def test_create_read_update(registry: Registry) -> None:
    created = await registry.add_community(SH_1, name="  外滩社区 ", urban_rural_code="111")
    assert created["code"] == SH_1
    assert created["name"] == "外滩社区"
    assert (created["population"], created["households"]) == (8000, 3000)
    assert created["urban_rural_code"] == "111"

    r = await registry.client.get(f"{URL}/{SH_1}", headers=registry.auth("viewer"))
    assert r.status_code == 200
    assert r.json() == created

    r = await registry.client.put(
        f"{URL}/{SH_1}",
        json={"name": "外滩街道社区", "population": 9100, "households": 3200},
        headers=registry.auth(),
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["name"] == "外滩街道社区"
    assert updated["population"] == 9100
    assert updated["urban_rural_code"] is None, "PUT replaces every field"
    assert updated["updated_at"] > created["updated_at"]
    assert updated["created_at"] == created["created_at"]


async def test_upserted_event_on_create_and_update(registry: Registry) -> None:
    await registry.add_community(SH_1)
    await registry.client.put(
        f"{URL}/{SH_1}",
        json={"name": "新名", "population": 1, "households": 1, "urban_rural_code": "112"},
        headers=registry.auth(),
    )
    rows = await registry.rows("SELECT type, body FROM outbox ORDER BY seq")
    assert [r.type for r in rows] == ["registry.community.upserted.v1"] * 2
    last = orjson.loads(rows[-1].body)
    assert last["subject"] == SH_1
    assert last["data"] == {
        "code": SH_1,
        "name": "新名",
        "urban_rural_code": "112",
        "population": 1,
        "households": 1,
        "valid_from": None,
        "valid_to": None,
    }


async def test_duplicate_is_409_and_changes_nothing(registry: Registry) -> None:
    await registry.add_community(SH_1)
    before = await registry.counts()
    r = await registry.client.post(
        URL,
        json={"code": SH_1, "name": "x", "population": 1, "households": 1},
        headers=registry.auth(),
    )
    assert_problem(r, 409, "community-exists")
    assert await registry.counts() == before


async def test_update_or_read_unknown_is_404(registry: Registry) -> None:
    r = await registry.client.put(
        f"{URL}/{SH_2}",
        json={"name": "x", "population": 1, "households": 1},
        headers=registry.auth(),
    )
    assert_problem(r, 404, "not-found")
    r = await registry.client.get(f"{URL}/{SH_2}", headers=registry.auth())
    assert_problem(r, 404, "not-found")
    assert (await registry.counts())["outbox"] == 0


async def test_list_filters_by_region_and_pages_by_code(registry: Registry) -> None:
    codes = [SH_1, SH_2, GD_1, GD_2, "310101002002"]
    for code in codes:
        await registry.add_community(code)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await registry.client.get(URL, params=params, headers=registry.auth("viewer"))
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(codes)
    # A full last page hands out no cursor to an empty one.
    r = await registry.client.get(URL, params={"limit": 5}, headers=registry.auth("viewer"))
    assert len(r.json()["items"]) == 5
    assert r.json()["next_cursor"] is None

    r = await registry.client.get(URL, params={"region": "31"}, headers=registry.auth())
    assert [c["code"] for c in r.json()["items"]] == sorted([SH_1, SH_2, "310101002002"])
    r = await registry.client.get(URL, params={"region": "310101"}, headers=registry.auth())
    assert [c["code"] for c in r.json()["items"]] == [SH_1, "310101002002"]


@pytest.mark.parametrize(
    ("params", "slug"),
    [
        ({"cursor": "garbage"}, "invalid-input"),
        ({"region": "3a"}, "validation-error"),
        ({"region": "3101010020011"}, "validation-error"),
        ({"limit": 0}, "validation-error"),
        ({"limit": 501}, "validation-error"),
    ],
)
async def test_bad_list_parameters(
    registry: Registry, params: dict[str, str | int], slug: str
) -> None:
    r = await registry.client.get(URL, params=params, headers=registry.auth())
    assert_problem(r, 422, slug)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("31010100200", "length"),
        ("31010100200x", "length"),
        ("991010002001", "province"),
        ("310101000001", "township"),
        ("310101700001", "township"),
        ("310101002201", "village-committee"),
        ("310101002000", "community"),
        ("310101002450", "community"),
    ],
)
async def test_malformed_codes_are_422_naming_the_field(
    registry: Registry, code: str, reason: str
) -> None:
    before = await registry.counts()
    r = await registry.client.post(
        URL,
        json={"code": code, "name": "x", "population": 1, "households": 1},
        headers=registry.auth(),
    )
    body = assert_problem(r, 422, "invalid-division-code")
    assert body["errors"][0]["field"] == "code"
    assert body["errors"][0]["code"] == reason
    assert await registry.counts() == before


@pytest.mark.parametrize(
    "body",
    [
        {"code": SH_1, "name": "x", "population": -1, "households": 1},
        {"code": SH_1, "name": "x", "population": "many", "households": 1},
        {"code": SH_1, "name": "x", "population": 1.5, "households": 1},
        {"code": SH_1, "name": "   ", "population": 1, "households": 1},
        {"code": SH_1, "name": "a\x00b", "population": 1, "households": 1},
        {"code": SH_1, "name": "x", "population": 1, "households": 1, "urban_rural_code": "130"},
        {"code": SH_1, "name": "x", "population": 1, "households": 1, "extra": True},
        {"code": SH_1, "population": 1, "households": 1},
        {"code": 310101002001, "name": "x", "population": 1, "households": 1},
        [],
    ],
)
async def test_invalid_bodies_are_422_and_write_nothing(registry: Registry, body: object) -> None:
    before = await registry.counts()
    r = await registry.client.post(URL, json=body, headers=registry.auth())
    assert_problem(r, 422, "validation-error")
    assert await registry.counts() == before


async def test_malformed_json_is_400(registry: Registry) -> None:
    r = await registry.client.post(
        URL,
        content=b'{"code": "310101002001", ',
        headers=registry.auth() | {"content-type": "application/json"},
    )
    assert_problem(r, 400, "malformed-json")
    assert await registry.counts() == dict.fromkeys(await registry.counts(), 0)


async def test_path_code_must_be_12_digits(registry: Registry) -> None:
    # Any other matches no route (cwp_common.service.match_ids_only).
    r = await registry.client.get(f"{URL}/31010", headers=registry.auth())
    assert_problem(r, 404, "not-found")
