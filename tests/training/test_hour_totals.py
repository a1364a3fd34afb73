"""The minutes compliance reads (per worker and year, and per personal obligation:
registration periods, pre-service) are kept by every write to the hours ledger: after mixed writes (attendance by request and by sheet, across a year's end,
online progress, completions with studied minutes, refused requests) they equal a
direct count of the ledger, and a rebuild from the ledger (the migration's formula)
changes nothing."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cwp_common.clock import today_in_china
from cwp_common.db import transaction
from cwp_training.classes import writer
from cwp_training.classes.models import Attendance, YearMinutes
from cwp_training.compliance.models import Obligation
from tests.training.helpers import API, course, klass, post, register
from tests.training.test_sheets_api import sheet, upload


async def ledger_by_year(app: FastAPI) -> dict[tuple[uuid.UUID, int], int]:
    """The direct count: every ledger row summed per worker and calendar year."""
    sums: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
    async with app.state.runtime.sessions() as s:
        for w, day, minutes in (
            await s.execute(select(Attendance.worker_id, Attendance.day, Attendance.minutes))
        ).all():
            sums[(w, day.year)] += minutes
    return dict(sums)


async def obligation_minutes(app: FastAPI) -> dict[uuid.UUID, tuple[int, int]]:
    """Each obligation's kept minutes and a direct count of the ledger in its window."""
    out = {}
    async with app.state.runtime.sessions() as s:
        ledger = (
            await s.execute(select(Attendance.worker_id, Attendance.day, Attendance.minutes))
        ).all()
        for o in (await s.scalars(select(Obligation))).all():
            counted = sum(
                m for w, d, m in ledger if w == o.worker_id and o.period_start <= d <= o.period_end
            )
            out[o.id] = (o.minutes_done, counted)
    return out


async def certificate(
    client: httpx.AsyncClient, headers: dict[str, str], worker: str, day: str
) -> None:
    await post(
        client,
        headers,
        "/qualifications",
        {
            "worker_id": worker,
            "level": "assistant",
            "obtained_on": day,
            "certificate_no": f"SW-{worker[:8]}",
        },
    )


async def totals(app: FastAPI) -> dict[tuple[uuid.UUID, int], int]:
    async with app.state.runtime.sessions() as s:
        rows = (await s.execute(select(YearMinutes))).scalars().all()
    return {(r.worker_id, r.year): r.minutes for r in rows}


async def test_totals_equal_a_direct_count_after_mixed_writes(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    a, b = await register(app), await register(app)
    c = await register(app, hire_date=today_in_china() - timedelta(days=10))  # pre-service
    await certificate(client, operator, a, "2024-12-31")  # a registration period, before
    # In person, across the end of a year, by request.
    year_end = await klass(
        client,
        operator,
        (await course(client, operator))["id"],
        capacity=5,
        starts_on="2024-12-30",
        ends_on="2025-01-02",
    )
    for w in (a, b, c):
        await post(client, operator, f"/classes/{year_end['id']}/enrolments", {"worker_id": w})
    await post(
        client,
        operator,
        f"/classes/{year_end['id']}/attendance",
        {
            "records": [
                {"worker_id": a, "day": "2024-12-30", "minutes": 240},
                {"worker_id": a, "day": "2024-12-31", "minutes": 180},
                {"worker_id": a, "day": "2025-01-02", "minutes": 60},
                {"worker_id": b, "day": "2025-01-02", "minutes": 480},
            ]
        },
    )
    # A refused request (one row not enrolled) adds nothing.
    stranger = await register(app)
    r = await client.post(
        f"{API}/classes/{year_end['id']}/attendance",
        headers=operator,
        json={
            "records": [
                {"worker_id": c, "day": "2024-12-31", "minutes": 120},
                {"worker_id": stranger, "day": "2024-12-31", "minutes": 120},
            ]
        },
    )
    assert r.status_code == 422
    # In person, by sheet (the bulk upload), for the same workers and a new day.
    r = await upload(
        client,
        operator,
        f"/classes/{year_end['id']}/attendance/sheet",
        sheet(
            [
                ["worker_id", "day", "minutes"],
                [a, "2025-01-01", 30],
                [b, "2024-12-31", 90],
                [c, "2025-01-01", 45],
            ]
        ),
    )
    assert r.json() == {"recorded": 3}, r.text
    # Online: progress that completes the course, and a completion of studied minutes.
    online = await course(client, operator, delivery="online", hours=1)
    web = await klass(client, operator, online["id"], capacity=5)
    for w in (a, c):
        await post(client, operator, f"/classes/{web['id']}/enrolments", {"worker_id": w})
    await post(client, operator, f"/classes/{web['id']}/progress", {"worker_id": a, "minutes": 75})
    await post(client, operator, f"/classes/{web['id']}/progress", {"worker_id": c, "minutes": 20})
    await post(client, operator, f"/classes/{web['id']}/completions", {"worker_id": c})

    await certificate(client, operator, b, "2025-01-01")  # and one made after the hours

    direct = await ledger_by_year(app)
    assert await totals(app) == direct
    obligations = await obligation_minutes(app)
    assert len(obligations) == 3
    assert sum(kept for kept, _ in obligations.values()) > 0
    assert all(kept == counted for kept, counted in obligations.values()), obligations
    ua, ub = uuid.UUID(a), uuid.UUID(b)
    assert (direct[(ua, 2024)], direct[(ub, 2024)], direct[(ub, 2025)]) == (420, 90, 480)
    assert len([k for k in direct if k[0] == uuid.UUID(c)]) >= 1
    async with transaction(app.state.runtime.sessions) as session:
        await writer.rebuild(session)
    assert await totals(app) == direct
    assert await obligation_minutes(app) == obligations


async def test_a_compliance_answer_reads_the_totals_of_whole_years(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    """Minutes on the last day of a year and the first of the next fall in their own
    years' periods, as the ledger dates them."""
    w = await register(app)
    k = await klass(
        client,
        operator,
        (await course(client, operator))["id"],
        starts_on="2024-12-31",
        ends_on="2025-01-01",
    )
    await post(client, operator, f"/classes/{k['id']}/enrolments", {"worker_id": w})
    await post(
        client,
        operator,
        f"/classes/{k['id']}/attendance",
        {
            "records": [
                {"worker_id": w, "day": "2024-12-31", "minutes": 600},
                {"worker_id": w, "day": "2025-01-01", "minutes": 90},
            ]
        },
    )
    for as_of, done in (("2024-12-31", "10.00"), ("2025-01-01", "1.50")):
        r = await client.get(
            f"{API}/workers/{w}/compliance", headers=operator, params={"as_of": as_of}
        )
        [yearly] = [p for p in r.json()["periods"] if p["kind"] == "yearly"]
        assert yearly["hours_done"] == done


async def test_a_three_year_period_sums_the_totals_of_its_years(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], admin: dict[str, str]
) -> None:
    """A published 3-year requirement (cycles 2024-2026, 2027-...): the minutes of
    2024, 2025 and 2026 count, those of 2023 and 2027 do not."""
    await post(
        client,
        admin,
        "/requirements",
        {
            "jurisdiction": "44",
            "period": "three_year",
            "hours": 30,
            "effective_from": "2023-01-01",
            "cycle_start_year": 2024,
        },
    )
    w = await register(app)
    days = {
        "2023-12-31": 600,
        "2024-01-01": 60,
        "2025-06-01": 120,
        "2026-12-31": 180,
        "2027-01-01": 240,
    }
    k = await klass(
        client,
        operator,
        (await course(client, operator))["id"],
        starts_on=min(days),
        ends_on=max(days),
    )
    await post(client, operator, f"/classes/{k['id']}/enrolments", {"worker_id": w})
    await post(
        client,
        operator,
        f"/classes/{k['id']}/attendance",
        {"records": [{"worker_id": w, "day": d, "minutes": m} for d, m in days.items()]},
    )
    r = await client.get(
        f"{API}/workers/{w}/compliance", headers=operator, params={"as_of": "2025-06-30"}
    )
    [cycle] = [p for p in r.json()["periods"] if p["kind"] == "three_year"]
    assert (cycle["start"], cycle["end"], cycle["hours_done"], cycle["hours_due"]) == (
        "2024-01-01",
        "2026-12-31",
        "6.00",
        "30.00",
    )
    [yearly] = [p for p in r.json()["periods"] if p["kind"] == "yearly"]
    assert yearly["hours_done"] == "2.00"
    region = await client.get(
        f"{API}/compliance", headers=operator, params={"region": "44", "as_of": "2025-06-30"}
    )
    assert region.status_code == 200, region.text
    assert region.json()["hours_done"] == "8.00"  # 6 (3-year) + 2 (yearly), both under due
