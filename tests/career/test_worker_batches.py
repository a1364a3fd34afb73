"""career-workers' batch form: a batch of registry events grades its workers exactly as
the same events handled one at a time would, set-based for new registrations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cwp_career.workers.models import Worker
from cwp_common.events.contracts import EventData, WorkerRegistered, WorkerUpdated
from cwp_common.events.envelope import CloudEvent
from tests.career.helpers import (
    GD_SZ,
    SH,
    deliver,
    deliver_batch,
    envelope,
    facts,
    outbox,
    qualify,
    worker,
    years_ago,
)

# Ids, times and names that differ between the two runs by construction.
VOLATILE = {"worker_id", "id", "created_at", "updated_at", "name"}


def normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def scenarios() -> list[tuple[dict[str, Any], date | None]]:
    """Registrations that exercise the grading paths: posts, education, long service, a
    concurrent post, an exited worker, another province, a backdated event."""
    return [
        (facts(position="party_secretary", education="bachelor"), None),
        (facts(position="full_time_worker", service_start_date=years_ago(12, 3)), None),
        (facts(position="committee_member", education="master", degree="master"), None),
        (
            facts(
                position="party_secretary",
                concurrent_posts=[{"position": "committee_director", "since": years_ago(2)}],
            ),
            None,
        ),
        (facts(status="exited"), None),
        (facts(community_code=SH, position="deputy_director"), None),
        (facts(community_code=GD_SZ, service_start_date=years_ago(3, 200)), years_ago(1)),
    ]


async def graded(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], ids: list[str]
) -> list[Any]:
    out = []
    for wid in ids:
        w = await worker(client, admin, wid)
        events = [e for e in await outbox(app) if e.subject == wid]
        out.append(normal({"worker": w, "events": [e.data for e in events]}))
    return out


async def versions(app: FastAPI, ids: list[str]) -> list[int]:
    async with app.state.runtime.sessions() as session:
        rows = {r[0]: r[1] for r in await session.execute(select(Worker.worker_id, Worker.version))}
    return [rows[uuid.UUID(i)] for i in ids]


def twin(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "worker_id": facts()["worker_id"]}


async def test_a_batch_of_registrations_grades_as_one_at_a_time_does(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    cases = scenarios()
    single_ids, batch_ids, batch = [], [], []
    # A qualification that arrives before the registration counts in both runs.
    early = twin(cases[0][0])
    cases.append((early, None))
    for data, at in cases:
        other = twin(data)
        if data is early:
            await qualify(app, data["worker_id"], "senior", years_ago(0, 40))
            await qualify(app, other["worker_id"], "senior", years_ago(0, 40))
        await deliver(app, envelope(WorkerRegistered(**data), at))
        single_ids.append(data["worker_id"])
        batch.append(envelope(WorkerRegistered(**other), at))
        batch_ids.append(other["worker_id"])
    await deliver_batch(app, batch)
    one_at_a_time = await graded(app, client, admin, single_ids)
    assert await graded(app, client, admin, batch_ids) == one_at_a_time
    # New workers go in graded: each row's version counts its grade writes, as the
    # updates one at a time leave it.
    assert await versions(app, batch_ids) == await versions(app, single_ids)
    assert max(await versions(app, single_ids)) == 3  # the backdated one: two rounds
    exited = one_at_a_time[4]["worker"]
    assert exited["status"] == "exited"
    assert exited["grade"] is None
    # Registered a year ago with 2 years 200 days of service, a step since: two rounds.
    backdated = one_at_a_time[-2]["worker"]["history"]
    assert len(backdated) == 2
    assert backdated[0]["reason"] == "registered"


async def test_events_of_one_worker_in_a_batch_apply_in_order(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = facts(position="full_time_worker")
    events: list[EventData] = [
        WorkerRegistered(**first),
        WorkerUpdated(**{**first, "position": "party_secretary"}, changed=["position"]),
    ]
    # Another worker's registration in the same batch goes the set-based way.
    other = facts(position="committee_member")
    batch: list[CloudEvent] = [envelope(e) for e in events] + [envelope(WorkerRegistered(**other))]
    await deliver_batch(app, batch)
    w = await worker(client, admin, first["worker_id"])
    assert w["position"] == "party_secretary"
    assert [h["reason"] for h in w["history"]] == ["registered", "position_changed"]
    assert (await worker(client, admin, other["worker_id"]))["grade"] is not None


async def test_a_known_worker_registered_again_in_a_batch_is_updated_not_inserted(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    data = facts(position="full_time_worker")
    await deliver(app, envelope(WorkerRegistered(**data)))
    again = envelope(WorkerRegistered(**{**data, "education": "master"}))
    await deliver_batch(app, [again, envelope(WorkerRegistered(**facts()))])
    w = await worker(client, admin, data["worker_id"])
    assert w["education"] == "master"
