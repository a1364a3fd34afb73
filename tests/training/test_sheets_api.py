"""Excel: bulk enrolment and attendance from sheets with row-level errors (nothing
written while a row is bad), the certificate list and the compliance report as files."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from openpyxl import Workbook, load_workbook

from cwp_training.classes.models import Attendance, Enrolment
from cwp_training.sheets.rules import XLSX
from tests.training.helpers import API, count, course, klass, post, register


def sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(data: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, data: bytes, **params: Any
) -> httpx.Response:
    return await client.post(
        f"{API}{path}", headers={**headers, "Content-Type": XLSX}, content=data, params=params
    )


async def test_enrolment_and_attendance_sheets_refuse_bad_rows_whole(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await klass(client, operator, (await course(client, operator))["id"], capacity=5)
    a, b = await register(app), await register(app)
    bad = sheet(
        [["工作者ID"], [a], ["not-an-id"], [None], ["0190f5c2-1c2d-7e3f-8a4b-000000000000"]]
    )
    r = await upload(client, operator, f"/classes/{c['id']}/enrolments/sheet", bad)
    assert r.status_code == 422
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(3, "worker_id")]
    unknown = sheet([["worker_id"], [a], ["0190f5c2-1c2d-7e3f-8a4b-000000000000"]])
    r = await upload(client, operator, f"/classes/{c['id']}/enrolments/sheet", unknown)
    assert [e["row"] for e in r.json()["errors"]] == [3]
    assert await count(app, Enrolment) == 0
    r = await upload(
        client, operator, f"/classes/{c['id']}/enrolments/sheet", sheet([["worker_id"], [a], [b]])
    )
    assert r.json() == {"enrolled": 2, "waitlisted": 0, "already": 0}

    rows: list[list[Any]] = [
        ["worker_id", "日期", "分钟"],
        [a, date(2025, 3, 3), 240],
        [b, "2025-03-04", 480],
        [b, "2025-03-09", 60],
        [a, "2025-03-04", 0],
    ]
    r = await upload(client, operator, f"/classes/{c['id']}/attendance/sheet", sheet(rows))
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(5, "minutes")]
    r = await upload(client, operator, f"/classes/{c['id']}/attendance/sheet", sheet(rows[:4]))
    assert [e["row"] for e in r.json()["errors"]] == [4]  # outside the class dates
    assert await count(app, Attendance) == 0
    r = await upload(client, operator, f"/classes/{c['id']}/attendance/sheet", sheet(rows[:3]))
    assert r.json() == {"recorded": 2}


async def test_unreadable_uploads_are_refused(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    c = await klass(client, operator, (await course(client, operator))["id"])
    path = f"/classes/{c['id']}/attendance/sheet"
    r = await upload(client, operator, path, b"not a workbook")
    assert r.json()["type"] == "urn:cwp:problem:unreadable-sheet"
    r = await upload(client, operator, path, sheet([["worker_id", "day"]]))  # no minutes column
    assert r.status_code == 422
    r = await client.post(f"{API}{path}", headers=operator, content=b"x", params={})
    assert r.status_code == 415


async def test_certificates_and_compliance_come_as_workbooks(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    w = await register(app, name="陈静")
    await post(
        client,
        operator,
        "/qualifications",
        {
            "worker_id": w,
            "level": "assistant",
            "obtained_on": "2019-05-01",
            "certificate_no": "SW-2019-0009",
        },
    )
    r = await client.get(f"{API}/qualifications/sheet", headers=operator, params={"region": "44"})
    assert r.headers["content-type"] == XLSX
    header, row = read(r.content)
    assert header[0] == "worker_id"
    assert (row[1], row[3], row[5], row[8]) == (
        "陈静",
        "assistant",
        "SW-2019-0009",
        "已过期 expired",
    )
    r = await client.get(
        f"{API}/compliance/sheet",
        headers=operator,
        params={"region": "440103", "as_of": "2025-06-30"},
    )
    lines = read(r.content)
    assert lines[1][:3] == ("440103 (合计 total)", 1, 0)
    assert lines[2][0] == "440103001"
