"""Feeding real registry events to the training service's own handler, and API helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from cwp_common.clock import today_in_china as today
from cwp_common.db import transaction
from cwp_common.events.contracts import EventData, WorkerExited, WorkerRegistered, WorkerTransferred
from cwp_common.events.envelope import CloudEvent
from cwp_training.db import EVENTS
from cwp_training.workers.handlers import on_worker_event
from tests.support.answers import json_object

GD = "440103001001"  # 广东省广州市越秀区 …
GD_2 = "440103001002"
GD_STREET_2 = "440103002001"
SH = "310101002001"  # 上海市黄浦区 …
API = "/api/v1/training"


def envelope(data: EventData, at: date | None = None) -> CloudEvent:
    event = CloudEvent.new(
        f"cwp.{data.type.split('.', 1)[0]}",
        data.type,
        data.model_dump(mode="json"),
        getattr(data, "worker_id", None),
    )
    if at is not None:
        moment = datetime.combine(at, time(4, 0), tzinfo=UTC)
        event = event.model_copy(update={"time": moment})
    return event


def facts(**overrides: Any) -> dict[str, Any]:
    hired = overrides.pop("hire_date", None) or date(2018, 3, 1)
    base: dict[str, Any] = {
        "worker_id": str(uuid.uuid4()),
        "name": "王芳",
        "community_code": GD,
        "position": "full_time_worker",
        "employment_type": "contract",
        "education": "bachelor",
        "sex": "female",
        "birth_date": date(1988, 5, 17),
        "hire_date": hired,
        "service_start_date": hired,
        "status": "active",
    }
    base.update(overrides)
    return base


async def deliver(app: FastAPI, event: CloudEvent) -> None:
    async with transaction(app.state.runtime.sessions) as session:
        await on_worker_event(session, event)


async def register(app: FastAPI, at: date | None = None, **overrides: Any) -> str:
    data = WorkerRegistered(**facts(**overrides))
    await deliver(app, envelope(data, at))
    return data.worker_id


async def transfer(app: FastAPI, worker_id: str, to_code: str, from_code: str = GD) -> None:
    data = WorkerTransferred(
        **facts(worker_id=worker_id, community_code=to_code),
        from_community_code=from_code,
        effective_date=today(),
        service_years_carried=True,
    )
    await deliver(app, envelope(data))


async def exit_worker(app: FastAPI, worker_id: str, code: str = GD) -> None:
    data = WorkerExited(
        worker_id=worker_id, community_code=code, reason="resignation", exit_date=today()
    )
    await deliver(app, envelope(data))


async def count(app: FastAPI, table: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def outbox(app: FastAPI) -> list[CloudEvent]:
    async with app.state.runtime.sessions() as session:
        rows = (
            await session.execute(select(EVENTS.outbox.c.body).order_by(EVENTS.outbox.c.seq))
        ).all()
    return [CloudEvent.from_bytes(r.body) for r in rows]


async def post(
    client: Any, headers: dict[str, str], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    r = await client.post(f"{API}{path}", headers=headers, json=body)
    assert r.status_code in (200, 201), r.text
    return json_object(r)


async def course(client: Any, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "title": "矛盾纠纷调解实务",
        "level": "district",
        "delivery": "in_person",
        "method": "case_teaching",
        "topics": ["mediation", "rule_of_law"],
        "hours": 8,
        "jurisdiction": "440103",
    }
    body.update(changes)
    return await post(client, headers, "/courses", body)


async def klass(
    client: Any, headers: dict[str, str], course_id: str, **changes: Any
) -> dict[str, Any]:
    body = {
        "course_id": course_id,
        "jurisdiction": "440103",
        "title": "2025年第一期调解实务班",
        "starts_on": "2025-03-03",
        "ends_on": "2025-03-05",
        "capacity": 2,
    }
    body.update(changes)
    return await post(client, headers, "/classes", body)
