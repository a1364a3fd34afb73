"""Recording certificates: the event career consumes, registration periods with their
continuing-education hours, expired registrations, and every refusal writing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china
from cwp_common.events.contracts import QualificationObtained
from cwp_training.compliance.models import Obligation
from cwp_training.qualifications.models import Qualification
from tests.support.tokens import Tokens
from tests.training.helpers import API, GD, SH, count, exit_worker, outbox, register


def body(worker: str, **changes: object) -> dict[str, object]:
    b: dict[str, object] = {
        "worker_id": worker,
        "level": "intermediate",
        "obtained_on": "2024-06-15",
        "certificate_no": "SW-2024-440100-0001",
    }
    b.update(changes)
    return b


async def test_a_certificate_is_recorded_and_announced_as_career_reads_it(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    worker = await register(app)
    r = await client.post(f"{API}/qualifications", headers=operator, json=body(worker))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["level"] == "intermediate"
    assert out["source"] == "certificate"
    [period] = out["registrations"]
    assert period["period_start"] == "2024-06-15"
    assert period["period_end"] == "2027-06-14"
    assert period["hours_due"] == 90
    [event] = [e for e in await outbox(app) if e.type == QualificationObtained.type]
    data = QualificationObtained.model_validate(event.data)  # exactly career's contract
    assert data.worker_id == worker
    assert data.community_code == GD
    assert data.level == "intermediate"
    assert data.obtained_date == date(2024, 6, 15)
    assert data.certificate_no == "SW-2024-440100-0001"
    assert event.source == "cwp.training"

    listed = await client.get(f"{API}/workers/{worker}/qualifications", headers=operator)
    assert listed.status_code == 200
    assert [q["id"] for q in listed.json()["items"]] == [out["id"]]


async def test_assistant_owes_72_hours_and_an_old_registration_shows_expired(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    worker = await register(app)
    r = await client.post(
        f"{API}/qualifications",
        headers=operator,
        json=body(worker, level="assistant", obtained_on="2019-05-01"),
    )
    assert r.status_code == 201, r.text
    [period] = r.json()["registrations"]
    assert period["hours_due"] == 72
    assert period["period_end"] == "2022-04-30"
    assert period["status"] == "expired"
    assert r.json()["registration_expired"] is True


async def test_refusals_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], tokens: Tokens
) -> None:
    worker = await register(app)
    ok = await client.post(f"{API}/qualifications", headers=operator, json=body(worker))
    assert ok.status_code == 201
    before = (await count(app, Qualification), await count(app, Obligation), len(await outbox(app)))
    other = await register(app)
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    cases = [
        (body(worker, certificate_no="SW-OTHER-0002"), 409, "qualification-exists"),
        (body(other), 409, "certificate-taken"),
        (body("0190f5c2-1c2d-7e3f-8a4b-000000000000"), 404, "not-found"),
        (body(other, level="expert"), 422, "validation-error"),
        (body(other, obtained_on=tomorrow), 422, "invalid-input"),
        (body(other, certificate_no="bad no!"), 422, "validation-error"),
    ]
    for payload, status, slug in cases:
        r = await client.post(f"{API}/qualifications", headers=operator, json=payload)
        assert r.status_code == status, (payload, r.text)
        assert r.json()["type"] == f"urn:cwp:problem:{slug}"
    # A worker of another province is not found for a Guangdong operator.
    sh_worker = await register(app, community_code=SH)
    gd_operator = tokens.headers(["operator"], region="44")
    r = await client.post(
        f"{API}/qualifications",
        headers=gd_operator,
        json=body(sh_worker, certificate_no="SW-SH-0003"),
    )
    assert r.status_code == 404
    await exit_worker(app, other)
    r = await client.post(
        f"{API}/qualifications", headers=operator, json=body(other, certificate_no="SW-X-0004")
    )
    assert r.status_code == 409
    assert r.json()["type"] == "urn:cwp:problem:worker-exited"
    after = (await count(app, Qualification), await count(app, Obligation), len(await outbox(app)))
    assert after == before


async def test_a_registration_renews_once_its_hours_are_met(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    from tests.training.helpers import course, klass, post

    worker = await register(app)
    q = await post(
        client,
        operator,
        "/qualifications",
        body(worker, level="assistant", obtained_on="2019-05-01"),
    )
    renew = f"{API}/qualifications/{q['id']}/registrations"
    r = await client.post(renew, headers=operator)
    assert r.status_code == 409  # 0 of 72 hours in 2019-05-01..2022-04-30
    assert r.json()["type"] == "urn:cwp:problem:renewal-refused"
    c = await klass(
        client,
        operator,
        (await course(client, operator))["id"],
        starts_on="2020-09-01",
        ends_on="2020-09-06",
    )
    await post(client, operator, f"/classes/{c['id']}/enrolments", {"worker_id": worker})
    days = [f"2020-09-0{d}" for d in range(1, 7)]
    rows = [{"worker_id": worker, "day": d, "minutes": 720} for d in days]
    await post(client, operator, f"/classes/{c['id']}/attendance", {"records": rows})
    r = await client.post(renew, headers=operator)
    assert r.status_code == 201, r.text
    first, second = r.json()["registrations"]
    assert first["status"] == "expired"
    # Lapsed: the new period starts today, not the day after the old one ended.
    assert (second["period_start"], second["status"]) == (today_in_china().isoformat(), "active")
    assert r.json()["registration_expired"] is False
    again = await client.post(renew, headers=operator)
    assert again.status_code == 409  # the new period ends in 3 years
