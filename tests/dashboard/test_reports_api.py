"""GET /api/v1/reports: the list with columns and definitions, and each report as Excel
and PDF for a region and a date, checked against the services' own answers and a direct
count of the seeded records; refusals for bad input and regions outside the scope (a part
whose service is down: test_dashboard_page)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from cwp_common.clock import today_in_china
from tests.dashboard.conftest import PASSWORD, RESULTS, YEAR, sign_in
from tests.dashboard.reading import chart_count, header_of, pdf_text, sheet_rows, table_after
from tests.support.tokens import login

pytestmark = pytest.mark.timeout(480)  # the first test waits for the platform to start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seeded_results(region: str) -> dict[str, int]:
    """The direct count: results entered for the communities under `region`."""
    out: dict[str, int] = {}
    for code, results in RESULTS.items():
        if code.startswith(region):
            for r in results:
                out[r] = out.get(r, 0) + 1
    return out


async def test_the_list_names_each_report_with_its_columns(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/reports")).status_code == 401
    auth = await login(client, "sh-viewer", PASSWORD)
    r = await client.get("/api/v1/reports", headers=auth)
    assert r.status_code == 200
    reports = {x["name"]: x for x in r.json()["items"]}
    assert set(reports) == {"workforce", "pay-benchmark", "training-compliance", "assessments"}
    for report in reports.values():
        assert report["title_zh"]
        assert report["title_en"]
        assert report["source"]
        assert report["formats"] == ["xlsx", "pdf"]
        assert all(c["key"] and c["definition"] for c in report["columns"])
    keys = {c["key"] for c in reports["workforce"]["columns"]}
    assert {"headcount", "per_10k_residents", "national_target_per_10k"} <= keys


@pytest.mark.parametrize(("user", "region"), [("sh-viewer", "31"), ("street-viewer", "310101002")])
async def test_the_assessment_report_matches_the_service_and_a_direct_count(
    client: httpx.AsyncClient, user: str, region: str
) -> None:
    auth = await login(client, user, PASSWORD)
    summary = await client.get(
        "/api/v1/career/assessments/summary", headers=auth, params={"region": region}
    )
    assert summary.status_code == 200
    year = next(y for y in summary.json()["years"] if y["year"] == YEAR)
    expected = seeded_results(region)
    assert year["by_result"] == expected
    assert year["confirmed"] == sum(expected.values())

    r = await client.get(
        "/api/v1/reports/assessments.xlsx", headers=auth, params={"region": region}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert f"assessments-{region}-" in r.headers["content-disposition"]
    rows = sheet_rows(r.content)
    header = header_of(rows)
    assert header["地区 Region"] == region
    assert header["数据日期 Data as of"] == today_in_china().isoformat()
    assert "career" in header["数据来源 Source"]
    assert header["生成时间 Generated"]
    assert "历史数据 Past date" not in header
    table = table_after(rows, "年度考核结果")
    headings, *body = table
    line = dict(zip(headings, next(b for b in body if b[0] == str(YEAR)), strict=True))
    assert line["已确认"] == sum(expected.values())
    for result, n in expected.items():
        assert line[result] == n
    assert chart_count(r.content) == 1

    pdf = await client.get(
        "/api/v1/reports/assessments.pdf", headers=auth, params={"region": region}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "社区工作者年度考核结果汇总表" in text  # the Chinese font renders it
    assert f"地区 Region：{region}" in text
    tokens = text.split()
    at = tokens.index(str(YEAR))  # the year's row: confirmed, then each result in order
    row = [str(sum(expected.values())), *(str(expected[k]) for k in sorted(expected))]
    assert tokens[at + 1 : at + 1 + len(row)] == row


async def test_a_past_date_reads_the_data_as_it_stood_then_and_says_so(
    client: httpx.AsyncClient,
) -> None:
    """Everything was confirmed today: yesterday's report has no results, and states it is
    a past date; asked again, it gives the same figures."""
    auth = await login(client, "sh-viewer", PASSWORD)
    yesterday = (today_in_china() - timedelta(days=1)).isoformat()
    params = {"region": "31", "as_of": yesterday}
    first = await client.get("/api/v1/reports/assessments.xlsx", headers=auth, params=params)
    again = await client.get("/api/v1/reports/assessments.xlsx", headers=auth, params=params)
    assert first.status_code == again.status_code == 200
    rows = sheet_rows(first.content)
    header = header_of(rows)
    assert header["数据日期 Data as of"] == yesterday
    assert "历史数据 Past date" in header
    assert table_after(rows, "年度考核结果") == table_after(
        sheet_rows(again.content), "年度考核结果"
    )
    assert len(table_after(rows, "年度考核结果")) == 1  # headings only: nothing confirmed yet
    pdf = await client.get("/api/v1/reports/assessments.pdf", headers=auth, params=params)
    assert "历史数据" in pdf_text(pdf.content)


async def test_a_region_outside_the_scope_is_refused(client: httpx.AsyncClient) -> None:
    street = await login(client, "street-viewer", PASSWORD)
    for region in ("31", "310101003", "44"):
        for fmt in ("xlsx", "pdf"):
            r = await client.get(
                f"/api/v1/reports/assessments.{fmt}", headers=street, params={"region": region}
            )
            assert r.status_code == 403, r.text
            assert r.json()["type"] == "urn:cwp:problem:region-out-of-scope"
    # Without a region: the caller's own.
    r = await client.get("/api/v1/reports/assessments.xlsx", headers=street)
    assert header_of(sheet_rows(r.content))["地区 Region"] == "310101002"


@pytest.mark.parametrize(
    ("path", "params", "status", "slug"),
    [
        ("assessments.xlsx", {"region": "3101x"}, 422, "invalid-region"),
        ("assessments.xlsx", {"region": "310"}, 422, "invalid-region"),
        ("assessments.pdf", {"as_of": "2999-01-01"}, 422, "future-date"),
        ("assessments.pdf", {"as_of": "2025-02-30"}, 422, "validation-error"),
        ("assessments.csv", {}, 404, "unknown-report"),
        ("salaries.xlsx", {}, 404, "unknown-report"),
    ],
)
async def test_bad_requests_are_refused_with_problems(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int, slug: str
) -> None:
    auth = await login(client, "sh-viewer", PASSWORD)
    r = await client.get(f"/api/v1/reports/{path}", headers=auth, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith(slug)
    assert "3101x" not in r.text  # fixed texts, never the input


@pytest.mark.parametrize(
    ("name", "path", "title"),
    [
        ("pay-benchmark", "/api/v1/payroll/benchmarks", "薪酬与最低参照工资"),
        ("training-compliance", "/api/v1/training/compliance", "培训学时与持证"),
    ],
)
async def test_pay_and_training_reports_hold_the_services_figures(
    client: httpx.AsyncClient, name: str, path: str, title: str
) -> None:
    auth = await login(client, "sh-viewer", PASSWORD)
    params: dict[str, str | int] = {"region": "31"}
    if name == "pay-benchmark":
        params["year"] = today_in_china().year
    answer = (await client.get(path, headers=auth, params=params)).json()
    r = await client.get(f"/api/v1/reports/{name}.xlsx", headers=auth, params={"region": "31"})
    assert r.status_code == 200, r.text
    table = dict((row[0], row[1]) for row in table_after(sheet_rows(r.content), title)[1:])
    assert table["人数"] == answer["workers"] == 6  # Shanghai's seeded workers
    pdf = await client.get(f"/api/v1/reports/{name}.pdf", headers=auth, params={"region": "31"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


async def test_the_dashboard_downloads_the_same_report_with_its_session(
    client: httpx.AsyncClient,
) -> None:
    params = {"region": "310101002"}
    anonymous = await client.get("/dashboard/reports/assessments.xlsx", params=params)
    assert anonymous.status_code == 303  # to the sign-in form
    assert (await sign_in(client, "street-viewer")).status_code == 303
    r = await client.get("/dashboard/reports/assessments.xlsx", params=params)
    assert r.status_code == 200
    line = table_after(sheet_rows(r.content), "年度考核结果")[1]
    assert line[:2] == [str(YEAR), sum(seeded_results("310101002").values())]
    outside = await client.get("/dashboard/reports/assessments.xlsx", params={"region": "31"})
    assert outside.status_code == 403
