"""Payslip reads (newest first, paged, scoped) and a run's streamed exports."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_payroll.payslips.repository import PayslipRepository
from cwp_payroll.runs.models import Payslip
from tests.payroll.helpers import API, GZ_3, publish_policy, register, start_run, wait_run, worker


async def test_a_workers_payslips_are_paged_newest_first(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str], tokens: Any
) -> None:
    await publish_policy(replica, admin, "44")
    worker_id = await worker(replica_app)
    for period in ("2025-01", "2025-02", "2025-03"):
        await wait_run(replica, admin, (await start_run(replica, admin, "4401", period))["id"])
    url = f"{API}/workers/{worker_id}/payslips"
    first = (await replica.get(url, headers=admin, params={"limit": 2})).json()
    assert [p["period"] for p in first["items"]] == ["2025-03", "2025-02"]
    rest = (
        await replica.get(url, headers=admin, params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [p["period"] for p in rest["items"]] == ["2025-01"]
    assert rest["next_cursor"] is None
    exact = (await replica.get(url, headers=admin, params={"limit": 3})).json()
    assert len(exact["items"]) == 3
    assert exact["next_cursor"] is None  # a last page exactly `limit` long has no cursor
    slip = exact["items"][0]
    assert isinstance(slip["gross"], str)
    assert isinstance(slip["net"], str)
    assert isinstance(slip["tax"], str)
    bad = await replica.get(url, headers=admin, params={"cursor": "!!"})
    assert bad.status_code == 422
    shanghai = tokens.headers(["viewer"], region="31")
    assert (await replica.get(url, headers=shanghai)).status_code == 404


def test_payslips_are_a_worker_owned_record() -> None:
    assert PayslipRepository.worker_column is Payslip.worker_id


async def test_a_run_exports_as_csv_and_xlsx(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str], tokens: Any
) -> None:
    await publish_policy(replica, admin, "44")
    ids = [
        await worker(replica_app),
        await worker(replica_app, name="=HYPERLINK(1)", community_code=GZ_3),
    ]
    await register(replica_app)  # ungraded: a failure, not a line of the export
    run = await wait_run(replica, admin, (await start_run(replica, admin, "4401", "2025-03"))["id"])

    r = await replica.get(f"{API}/runs/{run['id']}/export.csv", headers=admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(row["worker_id"] for row in rows) == sorted(ids)
    assert {row["name"] for row in rows} == {"王芳", "'=HYPERLINK(1)"}
    total = sum(int(row["gross"].replace(".", "")) for row in rows)
    assert f"{total // 100}.{total % 100:02d}" == run["gross"]

    x = await replica.get(f"{API}/runs/{run['id']}/export.xlsx", headers=admin)
    assert x.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(x.content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = (
        book.read("xl/sharedStrings.xml").decode()
        if "xl/sharedStrings.xml" in book.namelist()
        else sheet
    )
    assert ids[0] in strings or ids[0] in sheet
    assert "<f>" not in sheet  # the formula-like name stays text

    shanghai = tokens.headers(["viewer"], region="31")
    assert (
        await replica.get(f"{API}/runs/{run['id']}/export.csv", headers=shanghai)
    ).status_code == 404
