"""Free-text fields (ladder and category names, criterion titles, notes, assessment
remarks, certificate numbers) refuse control, bidi-override and zero-width characters
with a 422, and nothing is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_career.ladders.models import LadderVersion
from cwp_common.clock import today_in_china as today
from tests.career.helpers import API, count, ladder, register

BAD = ["name\u202egnp.exe", "zero\u200bwidth", "line\nbreak", "nul\x00"]


@pytest.mark.parametrize("bad", BAD)
async def test_a_ladder_with_unsafe_text_is_refused(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], bad: str
) -> None:
    body = ladder(jurisdiction="44", effective_date="2031-01-01")
    variants: list[dict[str, Any]] = [
        {**body, "name": bad},
        {**body, "categories": [{**body["categories"][0], "name": bad}, *body["categories"][1:]]},
    ]
    if "\n" not in bad:  # a note may span lines
        variants.append({**body, "note": bad})
    for variant in variants:
        r = await client.post(f"{API}/ladders", headers=admin, json=variant)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await count(app, LadderVersion.__table__) == 0


async def test_remarks_and_certificate_numbers_refuse_unsafe_text(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    wid = await register(app)
    scores = {"political_quality": 80, "work_performance": 80, "resident_satisfaction": 80}
    body = {"worker_id": wid, "year": today().year - 1, "result": "合格", **scores}
    r = await client.post(
        f"{API}/assessments", headers=operator, json={**body, "remarks": "a\u202eb"}
    )
    assert r.status_code == 422, r.text
    r = await client.post(
        f"{API}/assessments", headers=operator, json={**body, "result": "合\u200b格"}
    )
    assert r.status_code == 422, r.text
    ok = await client.post(
        f"{API}/assessments", headers=operator, json={**body, "remarks": "复核\n通过"}
    )
    assert ok.status_code == 201, ok.text
