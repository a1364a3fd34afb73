"""The change feed (issue 11 §6): every change in the caller's scope, in order, resumable,
no birth dates for callers without `pii`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from cwp_common.events.contracts import CommunityUpserted
from cwp_registry.changes.recorder import batch, publish
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, SH_2

F = "/api/v1/registry/changes"
W = "/api/v1/registry/workers"


async def read_all(reg: Registry, headers: dict[str, str], limit: int = 2) -> tuple[list[Any], str]:
    items: list[Any] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        r = await reg.client.get(F, params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        if not page["items"]:
            assert page["next_cursor"] == cursor, "an empty page keeps the cursor"
            return items, cursor or ""
        cursor = page["next_cursor"]


async def history(reg: Registry) -> tuple[dict[str, Any], dict[str, Any]]:
    await reg.add_community(SH_1)
    await reg.add_community(SH_2)
    await reg.add_community(GD_1)
    w = await reg.add_worker(SH_1, position="committee_member")
    other = await reg.add_worker(GD_1)
    await reg.client.patch(f"{W}/{w['id']}", json={"education": "bachelor"}, headers=reg.auth())
    r = await reg.client.post(
        f"{W}/{w['id']}/transfer",
        json={"to_community_code": SH_2, "effective_date": "2024-01-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    return w, other


async def test_every_change_in_order_and_resumable(registry: Registry) -> None:
    reg = registry
    w, _ = await history(reg)
    items, cursor = await read_all(reg, reg.auth("viewer", "pii"))
    assert [i["event_id"] for i in items] == [
        r.event_id for r in await reg.rows("SELECT event_id FROM outbox ORDER BY seq")
    ], "every event the registry published, in the order it was staged"
    assert [i["type"] for i in items][-4:] == [
        "registry.worker.updated.v1",
        "registry.worker.transferred.v1",
        "registry.term.ended.v1",
        "registry.term.started.v1",
    ]
    r = await reg.client.post(
        f"{W}/{w['id']}/exit",
        json={"reason": "resignation", "exit_date": "2024-02-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200
    r = await reg.client.get(F, params={"cursor": cursor}, headers=reg.auth("viewer", "pii"))
    assert [i["type"] for i in r.json()["items"]] == [
        "registry.worker.exited.v1",
        "registry.term.ended.v1",
    ], "resuming from the last cursor gives exactly what happened since"


async def test_the_feed_keeps_to_the_callers_region(registry: Registry) -> None:
    reg = registry
    w, other = await history(reg)
    district, _ = await read_all(reg, reg.auth("viewer", region="310101"))
    assert other["id"] not in {i["data"].get("worker_id") for i in district}
    moved = [i for i in district if i["type"] == "registry.worker.transferred.v1"]
    assert len(moved) == 1
    assert moved[0]["left_scope"] is True
    assert moved[0]["data"] == {
        "worker_id": w["id"],
        "from_community_code": SH_1,
        "effective_date": "2024-01-01",
    }
    assert all(
        i["data"].get("community_code", SH_1) == SH_1 for i in district if not i["left_scope"]
    )
    assert {
        i["data"].get("code") for i in district if i["type"].startswith("registry.community")
    } == {SH_1}
    guangdong, _ = await read_all(reg, reg.auth("viewer", region="44"))
    assert {i["data"].get("worker_id") for i in guangdong if "worker_id" in i["data"]} == {
        other["id"]
    }


async def test_no_birth_date_without_pii(registry: Registry) -> None:
    reg = registry
    await history(reg)
    plain, _ = await read_all(reg, reg.auth("viewer"), limit=100)
    registered = [i for i in plain if i["type"] == "registry.worker.registered.v1"]
    assert registered
    for item in plain:
        assert not {"birth_date", "retirement_date", "id_number", "phone"} & set(item["data"])
    full, _ = await read_all(reg, reg.auth("viewer", "pii"), limit=100)
    assert all(
        "birth_date" in i["data"] for i in full if i["type"] == "registry.worker.registered.v1"
    )


async def test_a_bad_cursor_is_refused(registry: Registry) -> None:
    reg = registry
    for cursor in ("not-a-cursor", "%%%", "MTIz"):
        r = await reg.client.get(F, params={"cursor": cursor}, headers=reg.auth("viewer"))
        assert_problem(r, 422, "invalid-input")
    r = await reg.client.get(F, params={"limit": 0}, headers=reg.auth("viewer"))
    assert_problem(r, 422, "validation-error")
    r = await reg.client.get(F)
    assert r.status_code == 401


def _upserted(name: str) -> CommunityUpserted:
    return CommunityUpserted(
        code=SH_1, name=name, urban_rural_code=None, population=1, households=1
    )


async def test_a_batch_stages_its_events_at_its_end_in_order(registry: Registry) -> None:
    """Events published inside `batch` are staged together when it ends, in the order
    published; a batch that raises stages nothing."""
    count = "SELECT count(*) FROM changes"
    async with registry.app.state.runtime.sessions() as s, s.begin():
        async with batch(s):
            await publish(s, _upserted("一"), SH_1, SH_1)
            await publish(s, _upserted("二"), SH_1, SH_1)
            assert await s.scalar(text(count)) == 0, "nothing staged inside the block"
        assert await s.scalar(text(count)) == 2

        async def refused() -> None:
            async with batch(s):
                await publish(s, _upserted("三"), SH_1, SH_1)
                raise RuntimeError("refused")

        with pytest.raises(RuntimeError):
            await refused()
        assert await s.scalar(text(count)) == 2, "a block that raised staged nothing"
    feed = await registry.rows("SELECT event_id, data FROM changes ORDER BY seq")
    outbox = await registry.rows("SELECT event_id FROM outbox ORDER BY seq")
    assert [r.event_id for r in feed] == [r.event_id for r in outbox]
    names = [(r.data if isinstance(r.data, dict) else json.loads(r.data))["name"] for r in feed]
    assert names == ["一", "二"]


async def test_a_staged_change_holds_the_feed_lock_to_the_commit(
    registry: Registry, backend: str
) -> None:
    """The seq order of the feed is its commit order: from a change's row to the commit
    no other transaction may stage one (PostgreSQL; SQLite serialises writers)."""
    if backend != "postgresql":
        pytest.skip("an advisory lock of PostgreSQL")
    rt = registry.app.state.runtime
    probe = text("SELECT pg_try_advisory_xact_lock(1129466980)")

    async def free() -> bool:
        async with rt.sessions() as other, other.begin():
            return bool(await other.scalar(probe))

    for events in (1, 2, 6):  # one row, a few (one statement), many (COPY)
        async with rt.sessions() as s, s.begin():
            assert await free()
            async with batch(s):
                for i in range(events):
                    await publish(s, _upserted(f"社区{i}"), SH_1, SH_1)
            assert not await free(), f"{events} staged: the lock is held"
        assert await free(), "released at the commit"
