"""The exit workflow: career's recommendation (career.exit.recommended.v1, through the
durable consumer registry-exits) opens a case; a person confirms it, which performs the
worker's exit exactly as POST /workers/{id}/exit does, or dismisses it with a reason."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest

from cwp_common.clock import today_in_china
from cwp_common.db import transaction
from cwp_common.events.consumer import PermanentError
from cwp_common.events.contracts import ExitRecommended
from cwp_common.events.envelope import CloudEvent
from cwp_registry.exits.handlers import on_exit_recommended
from tests.registry.conftest import Registry, assert_problem, start_registry
from tests.registry.helpers import GD_1, SH_1
from tests.support.nats_server import NatsServer

API = "/api/v1/registry"
TODAY = today_in_china().isoformat()


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    for code in (SH_1, GD_1):
        await registry.add_community(code)
    return registry


def recommendation(worker_id: str, years: list[int], tracks: list[str]) -> CloudEvent:
    data = ExitRecommended(
        worker_id=worker_id,
        community_code=SH_1,
        reason="two consecutive failing years",
        failing_years=years,
        tracks=tracks,
    )
    return CloudEvent.new("cwp.career", data.type, data.model_dump(mode="json"), worker_id)


async def deliver(reg: Registry, event: CloudEvent) -> None:
    async with transaction(reg.app.state.runtime.sessions) as session:
        await on_exit_recommended(session, event)


async def cases(reg: Registry, **params: Any) -> list[dict[str, Any]]:
    r = await reg.client.get(f"{API}/exit-cases", params=params, headers=reg.auth())
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_recommendation_opens_one_case_per_worker(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    await deliver(reg, recommendation(w["id"], [2023, 2024], ["contract"]))
    await deliver(reg, recommendation(w["id"], [2024, 2025], ["contract", "elected"]))
    [case] = await cases(reg)
    assert case["status"] == "open"
    assert case["failing_years"] == [2023, 2024, 2025]
    assert case["tracks"] == ["contract", "elected"]
    assert (await reg.rows("SELECT status FROM workers"))[0].status == "active"  # not automatic


async def test_unknown_and_exited_workers(reg: Registry) -> None:
    with pytest.raises(PermanentError):
        await deliver(reg, recommendation(str(uuid.uuid4()), [2024], ["contract"]))
    with pytest.raises(PermanentError):
        await deliver(reg, recommendation("not-a-uuid", [2024], ["contract"]))
    w = await reg.add_worker(SH_1)
    r = await reg.client.post(
        f"{API}/workers/{w['id']}/exit",
        json={"reason": "resignation", "exit_date": TODAY},
        headers=reg.auth(),
    )
    assert r.status_code == 200
    await deliver(reg, recommendation(w["id"], [2024], ["contract"]))
    assert await cases(reg) == []


async def test_confirming_performs_the_exit(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    contract = await reg.client.post(
        f"{API}/workers/{w['id']}/contracts",
        json={
            "kind": "open_ended",
            "start_date": "2020-03-01",
            "employer_name": "南京东路街道办事处",
        },
        headers=reg.auth(),
    )
    assert contract.status_code == 201, contract.text
    await deliver(reg, recommendation(w["id"], [2023, 2024], ["contract"]))
    [case] = await cases(reg)
    url = f"{API}/exit-cases/{case['id']}"
    # A reason that does not fit the worker's category is refused; the case stays open.
    bad = await reg.client.post(
        f"{url}/confirm", json={"reason": "recalled", "exit_date": TODAY}, headers=reg.auth()
    )
    assert_problem(bad, 422, "exit-reason-not-applicable")
    future = await reg.client.post(
        f"{url}/confirm",
        json={"reason": "contract_end", "exit_date": "2999-01-01"},
        headers=reg.auth(),
    )
    assert_problem(future, 422, "date-in-future")
    assert (await reg.client.get(url, headers=reg.auth())).json()["status"] == "open"
    assert await reg.rows("SELECT seq FROM outbox WHERE type = 'registry.worker.exited.v1'") == []
    r = await reg.client.post(
        f"{url}/confirm",
        json={"reason": "contract_end", "exit_date": TODAY, "note": "连续两年考核不合格"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["exit_reason"], done["decided_by"]) == (
        "confirmed",
        "contract_end",
        "tester",
    )
    worker = (await reg.client.get(f"{API}/workers/{w['id']}", headers=reg.auth())).json()
    assert (worker["status"], worker["exit_reason"]) == ("exited", "contract_end")
    rows = await reg.rows("SELECT body FROM outbox WHERE type = 'registry.worker.exited.v1'")
    assert [orjson.loads(x.body)["data"]["worker_id"] for x in rows] == [w["id"]]
    ended = await reg.client.get(f"{API}/contracts/{contract.json()['id']}", headers=reg.auth())
    assert ended.json()["status"] == "ended"
    again = await reg.client.post(
        f"{url}/confirm", json={"reason": "contract_end", "exit_date": TODAY}, headers=reg.auth()
    )
    assert_problem(again, 409, "exit-case-decided")


async def test_dismissing_needs_a_reason_and_keeps_the_worker(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    await deliver(reg, recommendation(w["id"], [2024], ["contract"]))
    [case] = await cases(reg, status="open")
    url = f"{API}/exit-cases/{case['id']}/dismiss"
    assert_problem(
        await reg.client.post(url, json={"note": ""}, headers=reg.auth()), 422, "validation-error"
    )
    r = await reg.client.post(url, json={"note": "复核后考核结果改为合格"}, headers=reg.auth())
    assert r.json()["status"] == "dismissed"
    assert (await reg.rows("SELECT status FROM workers"))[0].status == "active"
    assert await cases(reg, status="open") == []
    # A new recommendation later opens a new case.
    await deliver(reg, recommendation(w["id"], [2025, 2026], ["contract"]))
    assert len(await cases(reg, status="open")) == 1


async def test_cases_follow_the_worker_scope(reg: Registry) -> None:
    w = await reg.add_worker(GD_1)
    await deliver(reg, recommendation(w["id"], [2024], ["contract"]))
    [case] = await cases(reg)
    shanghai = reg.auth(region="31")
    assert_problem(
        await reg.client.get(f"{API}/exit-cases/{case['id']}", headers=shanghai), 404, "not-found"
    )
    r = await reg.client.post(
        f"{API}/exit-cases/{case['id']}/confirm",
        json={"reason": "contract_end", "exit_date": TODAY},
        headers=shanghai,
    )
    assert_problem(r, 404, "not-found")
    listed = await reg.client.get(f"{API}/exit-cases", headers=shanghai)
    assert listed.json()["items"] == []
    assert len(await cases(reg, region="44")) == 1


async def test_the_durable_consumer_opens_the_case_from_nats(
    reg: Registry, session_nats: NatsServer
) -> None:
    """Career publishes on its own stream; the registry's durable registry-exits reads it."""
    w = await reg.add_worker(SH_1)
    url = reg.app.state.runtime.engine.url.render_as_string(hide_password=False)
    platform = reg.app.state.runtime.platform
    link = session_nats.link("career", "test-career")
    link.start()
    try:
        assert await link.wait_connected(10)
        event = recommendation(w["id"], [2024, 2025], ["contract"])
        await link.jetstream().publish(
            event.type, event.to_bytes(), headers={"Nats-Msg-Id": event.id}
        )
        async with start_registry(url, platform, reg.tokens, consume_events=True) as consumer:
            for _ in range(200):
                found = await cases(consumer)
                if found:
                    break
                await asyncio.sleep(0.05)
    finally:
        await link.close()
    assert [c["worker_id"] for c in found] == [w["id"]]
