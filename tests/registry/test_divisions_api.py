"""Names of cities, districts and streets over HTTP: recorded in scope, one or many at
once, listed and read in scope; the statistics name each region and sub-region with
them. Bad codes and names are refused and write nothing."""

from __future__ import annotations

from typing import Any

from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1

URL = "/api/v1/registry/divisions"


async def names(registry: Registry) -> dict[str, str]:
    rows = await registry.rows("SELECT code, name FROM divisions ORDER BY code")
    return {r.code: r.name for r in rows}


async def statistics(registry: Registry, region: str) -> dict[str, Any]:
    r = await registry.client.get(
        "/api/v1/registry/statistics", params={"region": region}, headers=registry.auth("viewer")
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_name_list_read_and_rename(registry: Registry) -> None:
    shanghai = registry.auth("operator", region="31")
    r = await registry.client.put(f"{URL}/310101", json={"name": " 黄浦区 "}, headers=shanghai)
    assert r.status_code == 200, r.text
    assert (r.json()["code"], r.json()["name"]) == ("310101", "黄浦区")
    bulk = {
        "items": [{"code": "3101", "name": "市辖区"}, {"code": "310101002", "name": "外滩街道"}]
    }
    r = await registry.client.post(f"{URL}/bulk", json=bulk, headers=shanghai)
    assert r.status_code == 200, r.text
    assert r.json() == {"named": 2}
    r = await registry.client.put(f"{URL}/310101", json={"name": "黄浦新区"}, headers=shanghai)
    assert r.status_code == 200
    assert await names(registry) == {
        "3101": "市辖区",
        "310101": "黄浦新区",
        "310101002": "外滩街道",
    }

    viewer = registry.auth("viewer", region="3101")
    r = await registry.client.get(URL, params={"parent": "310101"}, headers=viewer)
    assert [d["code"] for d in r.json()["items"]] == ["310101", "310101002"]
    page = await registry.client.get(URL, params={"limit": 1}, headers=viewer)
    assert [d["code"] for d in page.json()["items"]] == ["3101"]
    rest = await registry.client.get(
        URL, params={"limit": 5, "cursor": page.json()["next_cursor"]}, headers=viewer
    )
    assert [d["code"] for d in rest.json()["items"]] == ["310101", "310101002"]
    r = await registry.client.get(f"{URL}/310101002", headers=viewer)
    assert r.json()["name"] == "外滩街道"


async def test_statistics_name_the_region_and_its_sub_regions(registry: Registry) -> None:
    await registry.add_community(SH_1, name="外滩第一社区")
    await registry.add_worker(SH_1)
    admin = registry.auth("operator")
    bulk = {
        "items": [
            {"code": "3101", "name": "市辖区"},
            {"code": "310101", "name": "黄浦区"},
            {"code": "310101002", "name": "外滩街道"},
        ]
    }
    assert (await registry.client.post(f"{URL}/bulk", json=bulk, headers=admin)).status_code == 200
    levels = [("31", "上海市", "3101", "市辖区"), ("3101", "市辖区", "310101", "黄浦区")]
    levels += [("310101", "黄浦区", "310101002", "外滩街道")]
    levels += [("310101002", "外滩街道", SH_1, "外滩第一社区")]
    for region, name, child, child_name in levels:
        body = await statistics(registry, region)
        assert body["name"] == name
        assert [(s["region"], s["name"]) for s in body["sub_regions"]] == [(child, child_name)]
    assert (await statistics(registry, SH_1))["name"] == "外滩第一社区"
    assert (await statistics(registry, ""))["name"] is None  # national
    # A region nobody named has no name, never a guess.
    await registry.add_community(GD_1)
    await registry.add_worker(GD_1)
    assert (await statistics(registry, "4401"))["name"] is None
    assert (await statistics(registry, "4401"))["sub_regions"][0]["name"] is None


async def test_outside_the_scope_nothing_is_named_or_shown(registry: Registry) -> None:
    admin = registry.auth("operator")
    assert (
        await registry.client.put(f"{URL}/310101", json={"name": "黄浦区"}, headers=admin)
    ).status_code == 200
    guangdong = registry.auth("operator", region="44")
    r = await registry.client.put(f"{URL}/310104", json={"name": "徐汇区"}, headers=guangdong)
    assert_problem(r, 403, "out-of-scope")
    bulk = {"items": [{"code": "4401", "name": "广州市"}, {"code": "3101", "name": "市辖区"}]}
    r = await registry.client.post(f"{URL}/bulk", json=bulk, headers=guangdong)
    assert_problem(r, 403, "out-of-scope")
    assert await names(registry) == {"310101": "黄浦区"}  # all or none
    assert (await registry.client.get(URL, headers=guangdong)).json()["items"] == []
    r = await registry.client.get(f"{URL}/310101", headers=guangdong)
    assert_problem(r, 404, "not-found")
    viewer = registry.auth("viewer", region="31")
    r = await registry.client.put(f"{URL}/310101", json={"name": "改名"}, headers=viewer)
    assert r.status_code == 403
    assert (await registry.client.get(URL)).status_code == 401


async def test_bad_codes_and_names_are_refused_and_write_nothing(registry: Registry) -> None:
    admin = registry.auth("operator")
    # A code outside the pattern matches no route (cwp_common.service.match_ids_only).
    for code in ("31", "31010", "3101010", "310101002001", "99010", "3101x1", "３１０１"):
        r = await registry.client.put(f"{URL}/{code}", json={"name": "某地"}, headers=admin)
        assert_problem(r, 404, "not-found")
    r = await registry.client.put(f"{URL}/990101", json={"name": "某地"}, headers=admin)
    assert_problem(r, 422, "invalid-division-code")
    for body in ({"name": ""}, {"name": "x" * 51}, {"name": "a\u202eb"}, {}, {"name": 1}):
        r = await registry.client.put(f"{URL}/310101", json=body, headers=admin)
        assert r.status_code == 422, body
    bulk: object
    for bulk in (
        {"items": []},
        {"items": [{"code": "3101", "name": "市辖区"}, {"code": "3101", "name": "又一个"}]},
        {"items": [{"code": "3101", "name": "市辖区"}, {"code": "9901", "name": "无"}]},
        {"items": [{"code": "3101", "name": "市辖区", "extra": 1}]},
    ):
        r = await registry.client.post(f"{URL}/bulk", json=bulk, headers=admin)
        assert r.status_code == 422, bulk
    r = await registry.client.get(URL, params={"parent": "3x"}, headers=admin)
    assert r.status_code == 422
    assert await names(registry) == {}
