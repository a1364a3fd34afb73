"""Transfers (service years recognised within a province; the service start date kept on
every move, since how a move from another province counts is the receiving ladder's rule
in the career service; a history) and exits (final)."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, SH_2
from tests.support.dates import FUTURE

URL = "/api/v1/registry/workers"
AHEAD = FUTURE.isoformat()


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    for code in (SH_1, SH_2, GD_1):
        await registry.add_community(code)
    return registry


async def transfer(
    reg: Registry, worker_id: str, to: str, when: str, **kw: object
) -> httpx.Response:
    body = {"to_community_code": to, "effective_date": when} | kw
    return await reg.client.post(f"{URL}/{worker_id}/transfer", json=body, headers=reg.auth())


async def exit_(
    reg: Registry, worker_id: str, when: str = "2024-06-30", reason: str = "resignation"
) -> httpx.Response:
    body = {"reason": reason, "exit_date": when}
    return await reg.client.post(f"{URL}/{worker_id}/exit", json=body, headers=reg.auth())


async def last_event(reg: Registry, type_: str) -> dict[str, object]:
    rows = await reg.rows("SELECT body FROM outbox WHERE type = :t ORDER BY seq", t=type_)
    return dict(orjson.loads(rows[-1].body)["data"])


async def test_within_a_province_service_years_carry_over(reg: Registry) -> None:
    w = await reg.add_worker(SH_1, service_start_date="2016-01-01")
    r = await transfer(reg, w["id"], SH_2, "2024-01-01", note="组织调动")
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["community_code"] == SH_2
    assert moved["service_start_date"] == "2016-01-01"
    data = await last_event(reg, "registry.worker.transferred.v1")
    assert data["from_community_code"] == SH_1
    assert data["community_code"] == SH_2
    assert data["service_years_carried"] is True
    assert data["effective_date"] == "2024-01-01"


async def test_to_another_province_the_facts_are_kept(reg: Registry) -> None:
    # No fixed reset: the receiving province's ladder says whether years carry.
    w = await reg.add_worker(SH_1, service_start_date="2016-01-01")
    r = await transfer(reg, w["id"], GD_1, "2024-01-01")
    assert r.status_code == 200, r.text
    assert r.json()["service_start_date"] == "2016-01-01"
    assert r.json()["hire_date"] == "2020-03-01"
    # The post in the new community begins with the move.
    assert r.json()["position_since"] == "2024-01-01"
    data = await last_event(reg, "registry.worker.transferred.v1")
    assert data["service_years_carried"] is False  # not recognised by law: ladder decides
    assert data["service_start_date"] == "2016-01-01"
    assert data["position_since"] == "2024-01-01"


async def test_transfer_history(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    assert (await transfer(reg, w["id"], SH_2, "2022-01-01")).status_code == 200
    assert (await transfer(reg, w["id"], GD_1, "2023-01-01", note="跨省")).status_code == 200
    r = await reg.client.get(f"{URL}/{w['id']}/transfers", headers=reg.auth("viewer"))
    assert r.status_code == 200
    history = r.json()
    assert [(h["from_community_code"], h["to_community_code"]) for h in history] == [
        (SH_1, SH_2),
        (SH_2, GD_1),
    ]
    assert [h["service_years_carried"] for h in history] == [True, False]
    assert [h["previous_service_start_date"] for h in history] == ["2020-03-01", "2020-03-01"]
    assert history[1]["note"] == "跨省"


@pytest.mark.parametrize(
    ("to", "when", "status", "slug", "field"),
    [
        (SH_1, "2024-01-01", 422, "same-community", "to_community_code"),
        ("310101002009", "2024-01-01", 422, "unknown-community", "to_community_code"),
        ("310101002209", "2024-01-01", 422, "invalid-division-code", "to_community_code"),
        ("3101", "2024-01-01", 422, "invalid-division-code", "to_community_code"),
        (SH_2, "2020-02-29", 422, "date-too-early", "effective_date"),
        (SH_2, AHEAD, 422, "date-in-future", "effective_date"),
    ],
)
async def test_refused_transfers_change_nothing(
    reg: Registry, to: str, when: str, status: int, slug: str, field: str
) -> None:
    w = await reg.add_worker(SH_1)
    before = await reg.counts()
    body = assert_problem(await transfer(reg, w["id"], to, when), status, slug)
    assert body["errors"][0]["field"] == field
    assert await reg.counts() == before
    assert (await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth())).json() == w


async def test_transfer_cannot_predate_the_previous_one(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    assert (await transfer(reg, w["id"], SH_2, "2023-01-01")).status_code == 200
    before = await reg.counts()
    body = assert_problem(await transfer(reg, w["id"], SH_1, "2022-12-31"), 422, "date-too-early")
    assert "last transfer" in body["detail"]
    assert await reg.counts() == before


@pytest.mark.parametrize(
    "body",
    [
        {"to_community_code": SH_2},
        {"to_community_code": SH_2, "effective_date": "2024-13-01"},
        {"to_community_code": SH_2, "effective_date": "2024-01-01", "why": "x"},
        {"to_community_code": SH_2, "effective_date": "2024-01-01", "note": "x" * 501},
        {"to_community_code": SH_2, "effective_date": "2024-01-01", "note": "a\x00b"},
    ],
)
async def test_malformed_transfer_bodies(reg: Registry, body: object) -> None:
    w = await reg.add_worker(SH_1)
    before = await reg.counts()
    r = await reg.client.post(f"{URL}/{w['id']}/transfer", json=body, headers=reg.auth())
    assert_problem(r, 422, "validation-error")
    assert await reg.counts() == before


async def test_exit_is_final(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    r = await exit_(reg, w["id"], "2024-06-30", "contract_end")
    assert r.status_code == 200, r.text
    gone = r.json()
    assert (gone["status"], gone["exit_reason"], gone["exit_date"]) == (
        "exited",
        "contract_end",
        "2024-06-30",
    )
    assert await last_event(reg, "registry.worker.exited.v1") == {
        "worker_id": w["id"],
        "community_code": SH_1,
        "reason": "contract_end",
        "exit_date": "2024-06-30",
    }
    before = await reg.counts()
    assert_problem(await exit_(reg, w["id"]), 409, "worker-exited")
    assert_problem(await transfer(reg, w["id"], SH_2, "2024-07-01"), 409, "worker-exited")
    r = await reg.client.patch(f"{URL}/{w['id']}", json={"name": "x"}, headers=reg.auth())
    assert_problem(r, 409, "worker-exited")
    assert await reg.counts() == before
    r = await reg.client.get(URL, params={"status": "exited"}, headers=reg.auth())
    assert [x["id"] for x in r.json()["items"]] == [w["id"]]


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"reason": "resignation", "exit_date": "2020-02-29"}, 422, "date-too-early"),
        ({"reason": "resignation", "exit_date": AHEAD}, 422, "date-in-future"),
        ({"reason": "fired", "exit_date": "2024-01-01"}, 422, "validation-error"),
        ({"reason": "resignation"}, 422, "validation-error"),
        ({"exit_date": "2024-01-01"}, 422, "validation-error"),
        ({"reason": "other", "exit_date": "2024-01-01", "note": "\x00"}, 422, "validation-error"),
    ],
)
async def test_refused_exits_change_nothing(
    reg: Registry, body: dict[str, str], status: int, slug: str
) -> None:
    w = await reg.add_worker(SH_1)
    before = await reg.counts()
    r = await reg.client.post(f"{URL}/{w['id']}/exit", json=body, headers=reg.auth())
    assert_problem(r, status, slug)
    assert await reg.counts() == before


async def test_exit_cannot_predate_the_last_transfer(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    assert (await transfer(reg, w["id"], SH_2, "2023-01-01")).status_code == 200
    assert_problem(await exit_(reg, w["id"], "2022-06-30"), 422, "date-too-early")
    assert (await exit_(reg, w["id"], "2023-01-01")).status_code == 200
