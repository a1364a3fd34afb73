"""Lists page with the shared keyset pagination: a last page exactly `limit` long hands
out no cursor."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.training.helpers import API, course, post, register


@pytest.mark.parametrize("path", ["/courses", "/trainers", "/resources"])
async def test_a_full_last_page_has_no_cursor(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], path: str
) -> None:
    for n in range(2):
        if path == "/courses":
            await course(client, operator, title=f"课程{n}")
        elif path == "/trainers":
            await post(
                client,
                operator,
                path,
                {
                    "name": f"讲师{n}",
                    "affiliation": "党校",
                    "expertise": ["mediation"],
                    "jurisdiction": "44",
                },
            )
        else:
            await post(
                client,
                operator,
                path,
                {
                    "title": f"资料{n}",
                    "kind": "material",
                    "topics": ["mediation"],
                    "url": f"https://example.org/{n}",
                    "jurisdiction": "44",
                },
            )
    whole = await client.get(f"{API}{path}", headers=operator, params={"limit": 2})
    assert len(whole.json()["items"]) == 2
    assert whole.json()["next_cursor"] is None
    first = await client.get(f"{API}{path}", headers=operator, params={"limit": 1})
    cursor = first.json()["next_cursor"]
    assert cursor
    last = await client.get(f"{API}{path}", headers=operator, params={"limit": 1, "cursor": cursor})
    assert len(last.json()["items"]) == 1
    assert last.json()["next_cursor"] is None


async def test_worker_lists_page_too(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    worker = await register(app)
    for n, level in enumerate(("assistant", "intermediate")):
        await post(
            client,
            operator,
            "/qualifications",
            {
                "worker_id": worker,
                "level": level,
                "obtained_on": "2021-01-01",
                "certificate_no": f"SW-PAGE-{n:04d}",
            },
        )
    r = await client.get(
        f"{API}/workers/{worker}/qualifications", headers=operator, params={"limit": 2}
    )
    assert len(r.json()["items"]) == 2
    assert r.json()["next_cursor"] is None
