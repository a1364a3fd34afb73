"""A worker's own account reads their own grade, grade history and assessments in the
career service, and no colleague's."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.career.helpers import API, GD, register
from tests.career.test_assessments_api import LAST_YEAR, assess
from tests.support.tokens import Tokens


async def test_a_worker_reads_only_their_own_career(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    me = await register(app, community_code=GD)
    colleague = await register(app, community_code=GD)
    for worker_id in (me, colleague):
        assert (await assess(client, operator, worker_id, LAST_YEAR, "合格")).status_code == 201
    mine = tokens.worker_headers(me, GD)

    r = await client.get(f"{API}/workers/{me}", headers=mine)
    assert r.status_code == 200, r.text
    assert r.json()["history"], "the grade history comes with the worker"
    assert (await client.get(f"{API}/workers/{colleague}", headers=mine)).status_code == 404
    listed = (await client.get(f"{API}/workers", headers=mine)).json()["items"]
    assert [w["worker_id"] for w in listed] == [me]

    assessments = (await client.get(f"{API}/assessments", headers=mine)).json()["items"]
    assert [a["worker_id"] for a in assessments] == [me]
    other = await client.get(f"{API}/assessments", params={"worker_id": colleague}, headers=mine)
    assert other.json()["items"] == []


async def test_a_worker_account_cannot_assess(
    app: FastAPI, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    me = await register(app, community_code=GD)
    r = await assess(client, tokens.worker_headers(me, GD), me, LAST_YEAR, "优秀")
    assert r.status_code == 403
