"""Every list endpoint pages through Repository.page: a cursor only when another row
follows, so the last page never points to an empty one (a page exactly `limit` long at
the end of the list has no cursor)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from tests.career.helpers import API, ladder, publish, register, years_ago

YEAR = today().year - 1
SCORES = {"political_quality": 80, "work_performance": 80, "resident_satisfaction": 80}


async def pages(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, limit: int
) -> list[dict[str, Any]]:
    """Every page of a list, following cursors."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        r = await client.get(f"{API}{path}", headers=headers, params=params)
        assert r.status_code == 200, r.text
        out.append(r.json())
        if not r.json()["next_cursor"]:
            return out
        params["cursor"] = r.json()["next_cursor"]
        assert len(out) < 10, "pagination does not end"


@pytest.fixture
async def listed(app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """Two of everything a list endpoint shows: workers, assessments, exit
    recommendations (two workers with two failing years each), ladders, eligible
    workers (party secretaries with 12 years in the community)."""
    for _ in range(2):
        wid = await register(app, position="party_secretary", service_start_date=years_ago(12))
        for year in (YEAR - 1, YEAR):
            r = await client.post(
                f"{API}/assessments",
                headers=admin,
                json={"worker_id": wid, "year": year, "result": "不合格", **SCORES},
            )
            assert r.status_code == 201, r.text
            confirmed = await client.post(
                f"{API}/assessments/{r.json()['id']}/confirm", headers=admin
            )
            assert confirmed.status_code == 200, confirmed.text
    for jurisdiction in ("44", "31"):
        await publish(
            client,
            admin,
            ladder(jurisdiction=jurisdiction, effective_date=years_ago(1).isoformat()),
        )


@pytest.mark.parametrize(
    ("path", "total"),
    [
        ("/workers", 2),
        ("/assessments", 4),
        ("/exit-recommendations", 2),
        ("/ladders", 2),
        ("/eligibility/public-institution", 2),
    ],
)
async def test_the_last_page_has_no_cursor(
    listed: None, client: httpx.AsyncClient, admin: dict[str, str], path: str, total: int
) -> None:
    whole = await pages(client, admin, path, limit=total)
    assert len(whole) == 1  # exactly `limit` rows: one page, no cursor to an empty one
    assert len(whole[0]["items"]) == total
    halves = await pages(client, admin, path, limit=total // 2)
    assert [len(p["items"]) for p in halves] == [total // 2, total - total // 2]
    ids = [x.get("id") or x["worker_id"] for p in halves for x in p["items"]]
    assert sorted(ids) == sorted(x.get("id") or x["worker_id"] for x in whole[0]["items"])
