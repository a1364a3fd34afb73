"""The durable consumers against a real nats-server: CloudEvents published on the
registry's and training's streams are projected and graded; a redelivered event is
handled once; a payload that breaks its contract becomes a dead letter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cwp_career.app import create_app
from cwp_career.config import Settings
from cwp_career.db import EVENTS
from cwp_common.db import new_id
from cwp_common.events.contracts import QualificationObtained, SkillLevelObtained, WorkerRegistered
from cwp_common.events.envelope import CloudEvent, service_of
from cwp_common.settings import PlatformSettings
from tests.career.helpers import API, envelope, facts, years_ago
from tests.support.apps import running
from tests.support.nats_server import NatsServer
from tests.support.settings import settings_on
from tests.support.tokens import Tokens


@pytest.fixture
def platform_settings(tokens: Tokens, module_nats: NatsServer) -> PlatformSettings:
    """This module's durables start on a server of its own (see module_nats)."""
    return settings_on(module_nats, tokens)


@pytest.fixture
def consuming_app(database_url: str, platform_settings: PlatformSettings) -> FastAPI:
    return create_app(
        Settings(database_url=database_url, daily_regrade=False),
        platform_settings,
        create_schema=True,
    )


@pytest.fixture
async def consuming(consuming_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(consuming_app) as c:
        yield c


async def send(server: NatsServer, *events: CloudEvent, msg_ids: list[str] | None = None) -> None:
    """Publish each event as its producer would: with that service's NATS user."""
    for i, e in enumerate(events):
        producer = service_of(e.type)
        nc = await server.connect(producer)
        try:
            js = nc.jetstream()
            msg_id = msg_ids[i] if msg_ids else e.id
            await js.publish(e.type, e.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        finally:
            await nc.close()


async def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_registration_and_qualification_events_are_graded(
    consuming: httpx.AsyncClient,
    module_nats: NatsServer,
    admin: dict[str, str],
) -> None:
    data = WorkerRegistered(**facts(position="party_secretary", service_start_date=years_ago(9, 1)))
    await send(module_nats, envelope(data))

    async def graded(expected: int) -> dict[str, Any] | None:
        r = await consuming.get(f"{API}/workers/{data.worker_id}", headers=admin)
        return r.json() if r.status_code == 200 and r.json()["grade"] == expected else None

    w = await until(lambda: graded(7 + 3))
    assert w["history"][0]["reason"] == "registered"
    # Both level events name the worker, the community and a date two months back.
    obtained: dict[str, Any] = {
        "worker_id": data.worker_id,
        "community_code": data.community_code,
        "obtained_date": years_ago(0, 2),
    }
    await send(module_nats, envelope(QualificationObtained(level="senior", **obtained)))
    w = await until(lambda: graded(7 + 3 + 3))
    assert w["history"][-1]["reason"] == "qualification"
    await send(module_nats, envelope(SkillLevelObtained(level="level_3", **obtained)))

    async def skill_recorded() -> dict[str, Any] | None:
        r = await consuming.get(f"{API}/workers/{data.worker_id}", headers=admin)
        return r.json() if r.json()["skill_level"] == "level_3" else None

    w = await until(skill_recorded)
    # The national fallback stacks the bonuses (REFERENCE §2.1): 高级 +3, 三级 skill +1.
    assert w["grade"] == 7 + 3 + 3 + 1


async def test_a_redelivered_event_is_handled_once(
    consuming_app: FastAPI,
    consuming: httpx.AsyncClient,
    module_nats: NatsServer,
    admin: dict[str, str],
) -> None:
    data = WorkerRegistered(**facts())
    event = envelope(data)
    # Different message ids get past the stream's duplicate window: the inbox must stop it.
    await send(module_nats, event, event, msg_ids=[str(new_id()), str(new_id())])

    async def both_seen() -> bool:
        async with consuming_app.state.runtime.sessions() as s:
            seen = await s.scalar(
                select(EVENTS.inbox.c.event_id).where(EVENTS.inbox.c.event_id == event.id)
            )
        r = await consuming.get(f"{API}/workers/{data.worker_id}", headers=admin)
        return seen is not None and r.status_code == 200

    await until(both_seen)
    await asyncio.sleep(1.0)  # time for the second delivery to be handled (and ignored)
    r = await consuming.get(f"{API}/workers/{data.worker_id}", headers=admin)
    assert len(r.json()["history"]) == 1


async def test_a_broken_payload_is_a_dead_letter_and_the_stream_moves_on(
    consuming_app: FastAPI,
    consuming: httpx.AsyncClient,
    module_nats: NatsServer,
    admin: dict[str, str],
) -> None:
    broken = CloudEvent.new(
        "cwp.registry",
        WorkerRegistered.type,
        {**facts(), "position": "mayor"},
        None,
    )
    data = WorkerRegistered(**facts())
    await send(module_nats, broken, envelope(data))

    async def dead() -> list[Any]:
        async with consuming_app.state.runtime.sessions() as s:
            return list(
                (
                    await s.execute(
                        select(EVENTS.dead_letters.c.event_id, EVENTS.dead_letters.c.error).where(
                            EVENTS.dead_letters.c.event_id == broken.id
                        )
                    )
                ).all()
            )

    [(_, error)] = await until(dead)
    assert "breaks its contract" in error
    w = await until(lambda: _ok(consuming, data.worker_id, admin))
    assert w["grade"] == 3


async def _ok(client: httpx.AsyncClient, worker_id: str, headers: dict[str, str]) -> Any:
    r = await client.get(f"{API}/workers/{worker_id}", headers=headers)
    return r.json() if r.status_code == 200 else None


async def test_metrics_and_readyz_report_the_consumers_lag(
    consuming: httpx.AsyncClient, module_nats: NatsServer, admin: dict[str, str]
) -> None:
    data = WorkerRegistered(**facts())
    await send(module_nats, envelope(data))
    await until(lambda: _ok(consuming, data.worker_id, admin))

    async def caught_up() -> dict[str, Any] | None:
        r = await consuming.get("/readyz")
        lag = r.json().get("events", {}).get("consumers", {}).get("career-workers", {})
        # ...and the revocation feed has replayed the gateway's stream (it exists).
        return r.json() if lag.get("pending") == 0 and r.json()["status"] == "ok" else None

    # The durable is shared by every career app on the session's server: other tests'
    # events count as pending until this app has applied them too.
    ready = await until(caught_up, timeout=60)
    assert ready["status"] == "ok"
    assert ready["events"]["consumers"]["career-workers"]["oldest_unapplied_age_seconds"] == 0
    assert ready["events"]["outbox"]["pending"] >= 0
    text = (await consuming.get("/metrics")).text
    for family in (
        'cwp_consumer_pending_messages{consumer="career-workers",service="career"} 0.0',
        'cwp_consumer_oldest_unapplied_age_seconds{consumer="career-workers",service="career"}',
        'cwp_consumer_events_applied_total{consumer="career-workers",service="career"}',
        'cwp_outbox_pending_events{service="career"}',
        'cwp_outbox_oldest_pending_age_seconds{service="career"}',
        "# TYPE cwp_dead_letters gauge",
    ):
        assert family in text, family
