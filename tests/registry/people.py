"""One record of each kind of the registry's people areas (contracts, enrolments,
recruitment, exit cases, audits, care, conduct) for a worker: the scope sweep aims its
calls at them, and the pagination test lists them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china
from cwp_common.db import transaction
from cwp_common.events.contracts import ExitRecommended
from cwp_common.events.envelope import CloudEvent
from cwp_registry.exits.handlers import on_exit_recommended
from tests.registry.helpers import id_number

API = "/api/v1/registry"
APPLICANT = "沪应聘者"


async def _post(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any) -> Any:
    r = await client.post(f"{API}{url}", headers=headers, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def seed_people(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], worker: str, community: str
) -> tuple[dict[str, list[str]], set[str]]:
    """(path values by parameter name, markers) of the records made."""
    today = today_in_china()
    contract = await _post(
        client,
        f"/workers/{worker}/contracts",
        admin,
        {
            "kind": "fixed_term",
            "start_date": "2020-03-01",
            "end_date": (today + timedelta(days=700)).isoformat(),
            "employer_name": "沪测试街道办事处",
        },
    )
    enrolment = await _post(
        client,
        f"/workers/{worker}/social-insurance",
        admin,
        {"scheme": "pension", "insured_place": community[:6], "start_date": "2020-03-01"},
    )
    audit = await _post(
        client,
        f"/workers/{worker}/audits",
        admin,
        {
            "position": "party_secretary",
            "kind": "departure",
            "period_from": "2020-03-01",
            "period_to": "2024-12-31",
            "auditor": "沪测试审计局",
            "started_on": "2025-01-10",
        },
    )
    await _post(
        client,
        f"/workers/{worker}/care",
        admin,
        {"kind": "visit", "on": today.isoformat(), "occasion": "festival", "visited_by": "街道"},
    )
    await _post(
        client,
        f"/workers/{worker}/conduct",
        admin,
        {
            "kind": "reward",
            "category": "commendation",
            "decided_on": today.isoformat(),
            "authority": "街道党工委",
            "reason": "表现突出",
        },
    )
    rnd = await _post(
        client,
        "/recruitment/rounds",
        admin,
        {
            "jurisdiction": community[:6],
            "year": today.year,
            "title": "沪测试招聘",
            "apply_from": today.isoformat(),
            "apply_until": (today + timedelta(days=10)).isoformat(),
            "posts": [{"community_code": community, "position": "full_time_worker", "quota": 1}],
        },
    )
    await _post(client, f"/recruitment/rounds/{rnd['id']}/announce", admin, None)
    application = await _post(
        client,
        f"/recruitment/rounds/{rnd['id']}/applications",
        admin,
        {
            "post_id": rnd["posts"][0]["id"],
            "name": APPLICANT,
            "id_number": id_number(area="310101"),
            "education": "bachelor",
            "political_status": "masses",
        },
    )
    data = ExitRecommended(
        worker_id=worker,
        community_code=community,
        reason="two failing years",
        failing_years=[today.year - 2, today.year - 1],
        tracks=["contract"],
    )
    async with transaction(app.state.runtime.sessions) as session:
        event = CloudEvent.new("cwp.career", data.type, data.model_dump(mode="json"), worker)
        await on_exit_recommended(session, event)
    r = await client.get(f"{API}/exit-cases", headers=admin)
    case = r.json()["items"][0]["id"]
    values = {
        "contract_id": [contract["id"]],
        "enrolment_id": [enrolment["id"]],
        "audit_id": [audit["id"]],
        "round_id": [rnd["id"]],
        "post_id": [rnd["posts"][0]["id"]],
        "application_id": [application["id"]],
        "case_id": [case],
    }
    markers = {contract["id"], enrolment["id"], audit["id"], rnd["id"], application["id"], case}
    return values, markers | {APPLICANT, "沪测试招聘"}
