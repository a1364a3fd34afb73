"""The per-worker-per-year minutes compliance reads are kept by every write to the hours
ledger: after mixed writes (attendance by request and by sheet, across a year's end,
online progress, completions with studied minutes, refused requests) they equal a
direct count of the ledger, and a rebuild from the ledger (the migration's formula)
changes nothing."""

from __future__ import annotations

import uuid
from collections import defaultdict

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cwp_common.db import transaction
from cwp_training.classes import writer
from cwp_training.classes.models import Attendance, YearMinutes
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


async def totals(app: FastAPI) -> dict[tuple[uuid.UUID, int], int]:
    async with app.state.runtime.sessions() as s:
        rows = (await s.execute(select(YearMinutes))).scalars().all()
    return {(r.worker_id, r.year): r.minutes for r in rows}


async def test_totals_equal_a_direct_count_after_mixed_writes(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    a, b, c = await register(app), await register(app), await register(app)
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

    direct = await ledger_by_year(app)
    assert await totals(app) == direct
    ua, ub = uuid.UUID(a), uuid.UUID(b)
    assert (direct[(ua, 2024)], direct[(ub, 2024)], direct[(ub, 2025)]) == (420, 90, 480)
    assert len([k for k in direct if k[0] == uuid.UUID(c)]) >= 1
    async with transaction(app.state.runtime.sessions) as session:
        await writer.rebuild(session)
    assert await totals(app) == direct


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
