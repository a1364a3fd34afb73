"""The daily shortfall job: unmet periods ending soon are announced once each, with
the contract's payload; met or distant periods are not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI

from cwp_common.events.contracts import RequirementShortfall
from cwp_common.settings import PlatformSettings
from cwp_training.app import create_app
from cwp_training.compliance.jobs import announce_shortfalls
from cwp_training.config import Settings
from tests.support.apps import running
from tests.training.helpers import API, course, klass, outbox, post, register

NOV = date(2025, 11, 15)  # 46 days before the yearly period ends


async def test_unmet_periods_near_their_end_are_announced_once(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    short = await register(app)
    done = await register(app)
    c = await klass(
        client,
        admin,
        (await course(client, admin))["id"],
        capacity=5,
        starts_on="2025-03-03",
        ends_on="2025-03-05",
    )
    for w in (short, done):
        await post(client, admin, f"/classes/{c['id']}/enrolments", {"worker_id": w})
    rows = [
        {"worker_id": done, "day": d, "minutes": 480}
        for d in ("2025-03-03", "2025-03-04", "2025-03-05")
    ]
    rows.append({"worker_id": short, "day": "2025-03-03", "minutes": 300})
    await post(client, admin, f"/classes/{c['id']}/attendance", {"records": rows})
    sessions = app.state.runtime.sessions
    assert await announce_shortfalls(sessions, NOV, notice_days=30) == 0  # not near yet
    assert await announce_shortfalls(sessions, NOV, notice_days=60) == 1
    assert await announce_shortfalls(sessions, NOV + timedelta(days=1), notice_days=60) == 0
    [event] = [e for e in await outbox(app) if e.type == RequirementShortfall.type]
    data = RequirementShortfall.model_validate(event.data)
    assert (data.worker_id, data.kind, data.period_end) == (short, "yearly", date(2025, 12, 31))
    assert (data.hours_due, data.hours_done, data.shortfall) == (
        Decimal("24.00"),
        Decimal("5.00"),
        Decimal("19.00"),
    )


async def test_the_demo_catalogue_loads_once(
    database_url: str, platform_settings: PlatformSettings, tmp_path: Path, admin: dict[str, str]
) -> None:
    settings = Settings(
        database_url=database_url, consume_events=False, shortfall_job=False, demo_catalogue=True
    )
    for _ in range(2):
        async with running(create_app(settings, platform_settings, create_schema=True)) as client:
            courses = (await client.get(f"{API}/courses", headers=admin)).json()["items"]
            assert len(courses) == 8
            trainers = (await client.get(f"{API}/trainers", headers=admin)).json()["items"]
            assert {t["name"] for t in trainers} == {"陈教授", "刘书记"}
