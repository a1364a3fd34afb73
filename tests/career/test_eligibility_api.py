"""Career-path eligibility lists through the API."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from tests.career.helpers import API, GD_SZ, SH, register, transfer, update, years_ago
from tests.support.tokens import Tokens


async def ids(
    client: httpx.AsyncClient, headers: dict[str, str], criterion: str, **params: str
) -> list[str]:
    r = await client.get(f"{API}/eligibility/{criterion}", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return [x["worker_id"] for x in r.json()["items"]]


async def test_public_institution_list(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    long_ago = years_ago(11)
    veteran = await register(app, position="party_secretary", service_start_date=long_ago)
    # Ten years in the community but secretary only since today (was 委员).
    promoted = await register(app, position="committee_member", service_start_date=long_ago)
    await update(
        app, promoted, ["position"], position="party_secretary", service_start_date=long_ago
    )
    # A secretary who has just moved communities starts counting again.
    mover = await register(
        app, at=years_ago(0, 30), position="party_secretary", service_start_date=long_ago
    )
    await transfer(
        app,
        mover,
        today() - timedelta(days=1),
        True,
        community_code=GD_SZ,
        position="party_secretary",
        service_start_date=long_ago,
    )
    director = await register(app, position="committee_director", service_start_date=long_ago)
    shanghai = await register(
        app, position="party_secretary", service_start_date=long_ago, community_code=SH
    )
    assert sorted(await ids(client, admin, "public-institution")) == sorted([veteran, shanghai])
    assert await ids(client, admin, "public-institution", region="44") == [veteran]
    sh_reader = tokens.headers(["viewer"], region="31")
    assert await ids(client, sh_reader, "public-institution") == [shanghai]
    page = (await client.get(f"{API}/eligibility/public-institution", headers=admin)).json()
    item = next(x for x in page["items"] if x["worker_id"] == veteran)
    assert item["counted_years"] == 11
    assert item["title"].startswith("事业单位")
    assert director not in await ids(client, admin, "public-institution")
    # As of a day in the past, nobody had 10 years yet.
    assert await ids(client, admin, "public-institution", as_of=years_ago(2).isoformat()) == []


async def test_unknown_criterion_and_bad_parameters(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.get(f"{API}/eligibility/astronaut", headers=admin)
    assert r.status_code == 404
    # A name outside the criterion pattern matches no route (cwp_common.service.match_ids_only).
    r = await client.get(f"{API}/eligibility/Public Institution", headers=admin)
    assert r.status_code == 404
    r = await client.get(f"{API}/eligibility/mentor", headers=admin, params={"as_of": "soon"})
    assert r.status_code == 422


async def test_pagination_through_eligible_workers(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    expected = [
        await register(app, position="party_secretary", service_start_date=years_ago(12))
        for _ in range(3)
    ]
    first = (
        await client.get(
            f"{API}/eligibility/public-institution", headers=admin, params={"limit": 2}
        )
    ).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = (
        await client.get(
            f"{API}/eligibility/public-institution",
            headers=admin,
            params={"limit": 2, "cursor": first["next_cursor"]},
        )
    ).json()
    assert sorted(x["worker_id"] for x in first["items"] + rest["items"]) == sorted(expected)
