"""Region scope on every endpoint. Data sits in Guangdong (44) and Shanghai (31); a token
scoped to 31 must neither see nor change anything in 44, whichever endpoint it tries:
reads, updates, transfers and exits there are 404, and creating or moving something
into 44 is 403. Nothing is written by any refused request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, GD_2, SH_1, SH_2, id_number

W = "/api/v1/registry/workers"
C = "/api/v1/registry/communities"


@dataclass
class World:
    reg: Registry
    gd_worker: dict[str, Any]
    gd_number: str
    sh_worker: dict[str, Any]
    sh_number: str


@pytest.fixture
async def world(registry: Registry) -> World:
    for code in (SH_1, SH_2, GD_1, GD_2):
        await registry.add_community(code)
    gd_number = id_number(area="440103", seq=491)
    sh_number = id_number(area="310101", seq=492)
    gd = await registry.add_worker(GD_1, id_number=gd_number)
    sh = await registry.add_worker(SH_1, id_number=sh_number)
    r = await registry.client.post(
        f"{W}/{gd['id']}/transfer",
        json={"to_community_code": GD_2, "effective_date": "2024-01-01"},
        headers=registry.auth(),
    )
    assert r.status_code == 200
    return World(registry, r.json(), gd_number, sh, sh_number)


def out_of_scope_requests(w: World) -> list[tuple[str, str, Any, int]]:
    gd = w.gd_worker["id"]
    community = {"name": "x", "population": 1, "households": 1}
    return [
        ("GET", f"{C}/{GD_2}", None, 404),
        ("PUT", f"{C}/{GD_2}", community, 404),
        ("POST", C, community | {"code": "440103001009"}, 403),
        ("POST", W, w.reg.worker_body(GD_1), 403),
        ("GET", f"{W}/{gd}", None, 404),
        ("PATCH", f"{W}/{gd}", {"name": "改名"}, 404),
        (
            "POST",
            f"{W}/{gd}/transfer",
            {"to_community_code": SH_1, "effective_date": "2024-06-01"},
            404,
        ),
        (
            "POST",
            f"{W}/{gd}/transfer",
            {"to_community_code": GD_1, "effective_date": "2024-06-01"},
            404,
        ),
        ("POST", f"{W}/{gd}/exit", {"reason": "other", "exit_date": "2024-06-01"}, 404),
        ("GET", f"{W}/{gd}/transfers", None, 404),
        ("POST", f"{W}/lookup", {"id_number": w.gd_number}, 404),
        (
            "POST",
            f"{W}/{w.sh_worker['id']}/transfer",
            {"to_community_code": GD_1, "effective_date": "2024-06-01"},
            403,
        ),
    ]


@pytest.mark.parametrize("roles", [["admin"], ["operator", "pii"]])
async def test_a_31_token_cannot_touch_44_on_any_endpoint(world: World, roles: list[str]) -> None:
    reg = world.reg
    headers = reg.auth(*roles, region="31")
    before = await reg.counts()
    for method, path, body, status in out_of_scope_requests(world):
        r = await reg.client.request(method, path, json=body, headers=headers)
        if path.endswith("lookup") and "pii" not in roles:
            assert_problem(r, 403, "forbidden")  # lookup by number needs pii first
            continue
        problem = assert_problem(r, status, "not-found" if status == 404 else "out-of-scope")
        if status == 404:  # indistinguishable from a record that does not exist
            assert problem["title"] == "Not found"
            assert "scope" not in problem["detail"] or path.endswith("lookup")
        assert world.gd_number not in r.text
    assert await reg.counts() == before
    r = await reg.client.get(f"{W}/{world.gd_worker['id']}", headers=reg.auth())
    assert r.json() == world.gd_worker, "the worker in 44 is untouched"


async def test_out_of_scope_reads_look_like_missing_records(world: World) -> None:
    reg = world.reg
    headers = reg.auth("admin", region="31")
    hidden = await reg.client.get(f"{W}/{world.gd_worker['id']}", headers=headers)
    missing = await reg.client.get(f"{W}/0190a1b2-0000-7000-8000-000000000000", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["type"] == missing.json()["type"]
    assert hidden.json()["detail"].replace(world.gd_worker["id"], "?") == missing.json()[
        "detail"
    ].replace("0190a1b2-0000-7000-8000-000000000000", "?")


async def test_lists_never_show_another_region(world: World) -> None:
    reg = world.reg
    headers = reg.auth("viewer", region="31")
    for params in (
        {},
        {"region": "44"},
        {"region": "4401"},
        {"community_code": GD_2},
        {"region": "3"},
    ):
        r = await reg.client.get(W, params=params, headers=headers)
        assert r.status_code == 200
        assert all(x["community_code"].startswith("31") for x in r.json()["items"])
        r = await reg.client.get(C, params=params | {"limit": 500}, headers=headers)
        assert all(x["code"].startswith("31") for x in r.json()["items"])
    r = await reg.client.get(W, headers=headers)
    assert [x["id"] for x in r.json()["items"]] == [world.sh_worker["id"]]
    r = await reg.client.get(C, headers=headers)
    assert [x["code"] for x in r.json()["items"]] == [SH_1, SH_2]
    r = await reg.client.get(W, params={"region": "44"}, headers=headers)
    assert r.json()["items"] == []


async def test_the_same_token_works_inside_its_region(world: World) -> None:
    reg = world.reg
    headers = reg.auth("operator", "pii", region="31")
    sh = world.sh_worker["id"]
    assert (await reg.client.get(f"{C}/{SH_1}", headers=headers)).status_code == 200
    r = await reg.client.put(
        f"{C}/{SH_1}", json={"name": "新", "population": 2, "households": 1}, headers=headers
    )
    assert r.status_code == 200
    r = await reg.client.post(
        C,
        json={"code": "310101002003", "name": "x", "population": 1, "households": 1},
        headers=headers,
    )
    assert r.status_code == 201
    r = await reg.client.post(W, json=reg.worker_body(SH_2), headers=headers)
    assert r.status_code == 201
    assert (await reg.client.get(f"{W}/{sh}", headers=headers)).status_code == 200
    r = await reg.client.patch(f"{W}/{sh}", json={"name": "王五"}, headers=headers)
    assert r.status_code == 200
    r = await reg.client.post(f"{W}/lookup", json={"id_number": world.sh_number}, headers=headers)
    assert r.json()["id_number"] == world.sh_number
    r = await reg.client.post(
        f"{W}/{sh}/transfer",
        json={"to_community_code": SH_2, "effective_date": "2024-01-01"},
        headers=headers,
    )
    assert r.status_code == 200
    assert (await reg.client.get(f"{W}/{sh}/transfers", headers=headers)).json()[0][
        "to_community_code"
    ] == SH_2
    r = await reg.client.post(
        f"{W}/{sh}/exit", json={"reason": "retirement", "exit_date": "2024-02-01"}, headers=headers
    )
    assert r.status_code == 200


async def test_a_district_token_is_narrower_than_its_province(world: World) -> None:
    reg = world.reg
    headers = reg.auth("operator", region="310104")  # 徐汇区: SH_2 only
    assert (
        await reg.client.get(f"{W}/{world.sh_worker['id']}", headers=headers)
    ).status_code == 404
    r = await reg.client.post(W, json=reg.worker_body(SH_1), headers=headers)
    assert_problem(r, 403, "out-of-scope")
    assert (await reg.client.get(f"{C}/{SH_2}", headers=headers)).status_code == 200
