"""Real events fed to payroll's own handlers (the code its consumers run), the demo
policy posted through the API for a jurisdiction, and waiting for a run."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.db import transaction
from cwp_common.events.contracts import (
    EventData,
    GradeAssigned,
    GradeChanged,
    QualificationLevel,
    QualificationObtained,
    WorkerExited,
    WorkerRegistered,
    WorkerTransferred,
)
from cwp_common.events.envelope import CloudEvent
from cwp_payroll.workers.handlers import on_grade_event, on_training_event, on_worker_event
from tests.support.answers import json_items, json_object

API = "/api/v1/payroll"
GZ_1 = "440103001001"  # 广东省广州市越秀区, street 440103001
GZ_2 = "440103001002"
GZ_3 = "440103002001"  # another street
SZ = "440304001001"  # 深圳市福田区
SH = "310101002001"


def envelope(data: EventData, at: date | None = None) -> CloudEvent:
    event = CloudEvent.new(
        f"cwp.{data.type.split('.', 1)[0]}",
        data.type,
        data.model_dump(mode="json"),
        getattr(data, "worker_id", None),
    )
    if at is not None:
        event = event.model_copy(update={"time": datetime.combine(at, time(4), tzinfo=UTC)})
    return event


async def deliver(app: FastAPI, event: CloudEvent) -> None:
    prefix = event.type.split(".", 1)[0]
    handler = {
        "registry": on_worker_event,
        "career": on_grade_event,
        "training": on_training_event,
    }[prefix]
    async with transaction(app.state.runtime.sessions) as session:
        await handler(session, event)


def facts(**overrides: Any) -> dict[str, Any]:
    start = overrides.pop("service_start_date", date(2018, 3, 1))
    base: dict[str, Any] = {
        "worker_id": str(uuid.uuid4()),
        "name": "王芳",
        "community_code": GZ_1,
        "position": "full_time_worker",
        "employment_type": "contract",
        "education": "bachelor",
        "sex": "female",
        "birth_date": date(1988, 5, 17),
        "hire_date": start,
        "service_start_date": start,
        "status": "active",
    }
    base.update(overrides)
    return base


async def register(app: FastAPI, **overrides: Any) -> str:
    data = WorkerRegistered(**facts(**overrides))
    await deliver(app, envelope(data))
    return data.worker_id


async def grade(
    app: FastAPI,
    worker_id: str,
    coefficient: str,
    *,
    grade_no: int = 5,
    effective: date = date(2024, 1, 1),
    example: bool = False,
    code: str = GZ_1,
    previous: int | None = None,
) -> None:
    common: dict[str, Any] = {
        "worker_id": worker_id,
        "community_code": code,
        "jurisdiction": code[:2],
        "ladder_id": str(uuid.uuid4()),
        "category": "other",
        "grade": grade_no,
        "pay_coefficient": Decimal(coefficient),
        "effective_date": effective,
        "reason": "test",
        "example": example,
    }
    data: EventData = (
        GradeChanged(**common, previous_grade=previous, previous_category="other")
        if previous is not None
        else GradeAssigned(**common)
    )
    await deliver(app, envelope(data))


async def qualify(
    app: FastAPI, worker_id: str, level: QualificationLevel, obtained: date, code: str = GZ_1
) -> None:
    await deliver(
        app,
        envelope(
            QualificationObtained(
                worker_id=worker_id, community_code=code, level=level, obtained_date=obtained
            )
        ),
    )


async def exit_worker(app: FastAPI, worker_id: str, on: date, code: str = GZ_1) -> None:
    await deliver(
        app,
        envelope(
            WorkerExited(
                worker_id=worker_id, community_code=code, reason="resignation", exit_date=on
            )
        ),
    )


async def transfer(app: FastAPI, worker_id: str, to: str, on: date, **overrides: Any) -> None:
    await deliver(
        app,
        envelope(
            WorkerTransferred(
                **facts(worker_id=worker_id, community_code=to, **overrides),
                from_community_code=GZ_1,
                effective_date=on,
                service_years_carried=True,
            )
        ),
    )


async def worker(app: FastAPI, coefficient: str = "1.5000", **overrides: Any) -> str:
    """A registered, graded worker."""
    example = overrides.pop("example", False)
    worker_id = await register(app, **overrides)
    await grade(
        app, worker_id, coefficient, example=example, code=overrides.get("community_code", GZ_1)
    )
    return worker_id


def demo() -> dict[str, Any]:
    text = resources.files("cwp_payroll.policy").joinpath("data", "demo_policy.json").read_text()
    return json_object(text)


async def publish_policy(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    jurisdiction: str,
    *,
    effective: str = "2023-01-01",
    standard: dict[str, Any] | None = None,
    insurance: dict[str, Any] | None = None,
    benchmark: dict[str, Any] | None = None,
    example: bool = False,
) -> None:
    d = demo()
    for path, body in (
        ("pay-standards", standard or d["standard"]),
        ("insurance", insurance or d["insurance"]),
        ("benchmarks", benchmark or d["benchmark"]),
    ):
        r = await client.post(
            f"{API}/policies/{path}",
            headers=headers,
            json={
                "jurisdiction": jurisdiction,
                "effective_date": effective,
                "example": example,
                "body": body,
            },
        )
        assert r.status_code == 201, r.text


async def wait_run(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str, timeout: float = 60.0
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get(f"{API}/runs/{run_id}", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["status"] == "completed":
            return json_object(r)
        assert asyncio.get_running_loop().time() < deadline, r.text
        await asyncio.sleep(0.1)


async def start_run(
    client: httpx.AsyncClient, headers: dict[str, str], jurisdiction: str, period: str, **extra: Any
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/runs",
        headers=headers,
        json={"jurisdiction": jurisdiction, "period": period, **extra},
    )
    assert r.status_code == 201, r.text
    return json_object(r)


async def payslips(
    client: httpx.AsyncClient, headers: dict[str, str], worker_id: str
) -> list[dict[str, Any]]:
    r = await client.get(
        f"{API}/workers/{worker_id}/payslips", headers=headers, params={"limit": 100}
    )
    assert r.status_code == 200, r.text
    return json_items(r)
