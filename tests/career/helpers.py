"""Building real events and feeding them to the career service's own handlers (the code
its consumers run), plus small API helpers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from cwp_career.dates import add_years
from cwp_career.db import EVENTS
from cwp_career.grading.models import GradeHistory
from cwp_career.grading.rules import Facts, grade
from cwp_career.ladders.templates import national_fallback, templates
from cwp_career.workers.handlers import on_training_event, on_worker_event, on_worker_events
from cwp_career.workers.models import Worker
from cwp_common.clock import today_in_china as today
from cwp_common.db import transaction, utcnow
from cwp_common.events.contracts import (
    EventData,
    QualificationLevel,
    QualificationObtained,
    SkillLevel,
    SkillLevelObtained,
    WorkerExited,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.envelope import CloudEvent
from tests.support.answers import json_object

GD = "440103001001"  # 广东省广州市越秀区 …
GD_SZ = "440304001001"  # 广东省深圳市福田区 …
SH = "310101002001"  # 上海市黄浦区 …
API = "/api/v1/career"


def years_ago(years: int, days: int = 0) -> date:
    return add_years(today(), -years) - timedelta(days=days)


def envelope(data: EventData, at: date | None = None) -> CloudEvent:
    """A CloudEvent as the producing service's outbox writes it; `at` backdates it."""
    event = CloudEvent.new(
        f"cwp.{data.type.split('.', 1)[0]}",
        data.type,
        data.model_dump(mode="json"),
        getattr(data, "worker_id", None),
    )
    if at is not None:
        # Noon in China, so the business day is `at` whatever the UTC offset does.
        moment = datetime.combine(at, time(4, 0), tzinfo=UTC)
        event = event.model_copy(update={"time": moment})
    return event


def facts(**overrides: Any) -> dict[str, Any]:
    start = overrides.pop("service_start_date", None) or years_ago(7, 30)
    base: dict[str, Any] = {
        "worker_id": str(uuid.uuid4()),
        "name": "王芳",
        "community_code": GD,
        "position": "full_time_worker",
        "employment_type": "contract",
        "education": "junior_college",
        "sex": "female",
        "birth_date": date(1988, 5, 17),
        "hire_date": start,
        "service_start_date": start,
        "status": "active",
    }
    base.update(overrides)
    return base


async def deliver(app: FastAPI, event: CloudEvent) -> None:
    """Run the handler the durable consumer runs, in a transaction of its own."""
    handler = on_training_event if event.type.startswith("training.") else on_worker_event
    async with transaction(app.state.runtime.sessions) as session:
        await handler(session, event)


async def deliver_batch(app: FastAPI, events: list[CloudEvent]) -> None:
    """Run career-workers' batch form on several events, in one transaction."""
    async with transaction(app.state.runtime.sessions) as session:
        await on_worker_events(session, events)


async def register(app: FastAPI, at: date | None = None, **overrides: Any) -> str:
    data = WorkerRegistered(**facts(**overrides))
    await deliver(app, envelope(data, at))
    return data.worker_id


async def update(
    app: FastAPI, worker_id: str, changed: list[str], at: date | None = None, **now: Any
) -> None:
    await deliver(
        app,
        envelope(WorkerUpdated(**facts(worker_id=worker_id, **now), changed=changed), at),
    )


async def transfer(
    app: FastAPI, worker_id: str, effective: date, carried: bool, from_code: str = GD, **now: Any
) -> None:
    await deliver(
        app,
        envelope(
            WorkerTransferred(
                **facts(worker_id=worker_id, **now),
                from_community_code=from_code,
                effective_date=effective,
                service_years_carried=carried,
            )
        ),
    )


async def exit_worker(app: FastAPI, worker_id: str, code: str = GD) -> None:
    await deliver(
        app,
        envelope(
            WorkerExited(
                worker_id=worker_id, community_code=code, reason="resignation", exit_date=today()
            )
        ),
    )


async def qualify(
    app: FastAPI, worker_id: str, level: QualificationLevel, obtained: date, code: str = GD
) -> None:
    await deliver(
        app,
        envelope(
            QualificationObtained(
                worker_id=worker_id, community_code=code, level=level, obtained_date=obtained
            )
        ),
    )


async def skill(
    app: FastAPI, worker_id: str, level: SkillLevel, obtained: date, code: str = GD
) -> None:
    await deliver(
        app,
        envelope(
            SkillLevelObtained(
                worker_id=worker_id, community_code=code, level=level, obtained_date=obtained
            )
        ),
    )


def ladder(template: str = "three-posts-18-grades", **changes: Any) -> dict[str, Any]:
    body = templates()[template].body.model_dump(mode="json")
    body.update(changes)
    return body


async def bulk(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    unit: str,
    year: int,
    rows: list[dict[str, Any]],
    **options: Any,
) -> httpx.Response:
    """POST /assessments/bulk: a unit's results for a year in one request."""
    body = {"unit": unit, "year": year, "rows": rows, **options}
    return await client.post(f"{API}/assessments/bulk", headers=headers, json=body)


async def wait_job(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    for _ in range(200):
        r = await client.get(f"{API}/regrade/{job_id}", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["status"] in ("done", "failed"):
            assert r.json()["status"] == "done", r.json()
            return json_object(r)
        await asyncio.sleep(0.05)
    raise AssertionError(f"regrade job {job_id} did not finish")


async def publish(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    r = await client.post(f"{API}/ladders", headers=headers, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    if out["regrade_job_id"]:
        await wait_job(client, headers, out["regrade_job_id"])
    return out


async def worker(
    client: httpx.AsyncClient, headers: dict[str, str], worker_id: str
) -> dict[str, Any]:
    r = await client.get(f"{API}/workers/{worker_id}", headers=headers)
    assert r.status_code == 200, r.text
    return json_object(r)


async def count(app: FastAPI, table: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def outbox(app: FastAPI) -> list[CloudEvent]:
    async with app.state.runtime.sessions() as session:
        rows = (
            await session.execute(select(EVENTS.outbox.c.body).order_by(EVENTS.outbox.c.seq))
        ).all()
    return [CloudEvent.from_bytes(r.body) for r in rows]


HISTORY = GradeHistory.__table__


async def graded_earlier(app: FastAPI, as_of: date, **overrides: Any) -> str:
    """A worker as the projection held them when last graded on `as_of` (under the
    fallback), as if no event had touched them since: time passing, without a clock."""
    f = facts(**overrides)
    ladder = national_fallback()
    g = grade(
        ladder,
        Facts(f["position"], f["education"], None, None, f["service_start_date"]),
        as_of,
    )
    async with transaction(app.state.runtime.sessions) as session:
        session.add(
            Worker(
                worker_id=uuid.UUID(f["worker_id"]),
                name=f["name"],
                community_code=f["community_code"],
                position=f["position"],
                position_since=f["hire_date"],
                community_since=f["hire_date"],
                education=f["education"],
                hire_date=f["hire_date"],
                service_start_date=f["service_start_date"],
                uncounted_years="",
                status=f["status"],
                category=g.category,
                grade=g.grade,
                pay_coefficient=g.pay_coefficient,
                ladder_id=ladder.id,
                grade_effective_date=as_of,
                next_step_date=g.next_step_date,
                updated_at=utcnow(),
            )
        )
    return str(f["worker_id"])
