"""GET /assessments/summary: confirmed results per year and result of the workers in a
region, as they stood at the end of a date (the dashboard's and the reports' figures)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from cwp_career.workers.models import Worker
from cwp_common.clock import today_in_china as today
from cwp_common.db import transaction
from tests.career.helpers import API, GD, GD_SZ, bulk, register, transfer
from tests.support.tokens import Tokens

LAST_YEAR = today().year - 1


def scores(result: str) -> dict[str, Any]:
    return {
        "political_quality": "90",
        "work_performance": 88,
        "resident_satisfaction": "91",
        "result": result,
    }


async def summary(client: httpx.AsyncClient, auth: dict[str, str], **params: str) -> Any:
    r = await client.get(f"{API}/assessments/summary", headers=auth, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_counts_confirmed_results_by_year_in_the_region_as_of_a_date(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    gz = [await register(app) for _ in range(5)]
    sz = [await register(app, community_code=GD_SZ) for _ in range(2)]
    rows = [{"worker_id": w, **scores("优秀" if i == 0 else "合格")} for i, w in enumerate(gz)]
    assert (await bulk(client, operator, GD[:9], LAST_YEAR, rows, confirm=True)).status_code == 201
    drafts = [{"worker_id": w, **scores("合格")} for w in sz]
    assert (await bulk(client, operator, GD_SZ[:9], LAST_YEAR, drafts)).status_code == 201

    national = await summary(client, operator)
    assert national["years"] == [
        {"year": LAST_YEAR, "confirmed": 5, "by_result": {"优秀": 1, "合格": 4}}
    ]  # drafts are not counted
    assert (await summary(client, operator, region="440304"))["years"] == []
    yesterday = (today() - timedelta(days=1)).isoformat()
    before = await summary(client, operator, region="44", as_of=yesterday)
    assert (before["as_of"], before["years"]) == (yesterday, [])

    # Records follow the worker: after a move to Shenzhen, Guangzhou counts one fewer.
    await transfer(app, gz[1], today(), True, community_code=GD_SZ)
    # `cwp rebuild` empties the workers and replays registration and move: counted once.
    async with transaction(app.state.runtime.sessions) as session:
        await session.execute(delete(Worker).where(Worker.worker_id == uuid.UUID(gz[1])))
    await register(app, worker_id=gz[1])
    await transfer(app, gz[1], today(), True, community_code=GD_SZ)
    assert (await summary(client, operator, region="440304"))["years"][0]["confirmed"] == 1
    assert (await summary(client, operator, region="440103"))["years"][0]["by_result"] == {
        "优秀": 1,
        "合格": 3,
    }

    # A move dated tomorrow leaves today's figures alone and shows from tomorrow on.
    tomorrow = (today() + timedelta(days=1)).isoformat()
    await transfer(app, gz[2], today() + timedelta(days=1), True, community_code=GD_SZ)
    assert (await summary(client, operator, region="440103"))["years"][0]["confirmed"] == 4
    later = await summary(client, operator, region="440103", as_of=tomorrow)
    assert later["years"][0]["by_result"] == {"优秀": 1, "合格": 2}
    shenzhen = await summary(client, operator, region="440304", as_of=tomorrow)
    assert shenzhen["years"][0]["confirmed"] == 2
    assert (await summary(client, operator, region="44", as_of=tomorrow))["years"][0][
        "confirmed"
    ] == 5  # moves inside the province change nothing there

    # Another province's token sees none of it, whatever region it names.
    shanghai = tokens.headers(["viewer"], region="31")
    assert (await summary(client, shanghai))["years"] == []
    assert (await summary(client, shanghai, region="44"))["years"] == []


async def test_bad_parameters_are_refused(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    for params in ({"region": "44x"}, {"as_of": "2025-13-01"}, {"region": "1234567890123"}):
        r = await client.get(f"{API}/assessments/summary", headers=operator, params=params)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
