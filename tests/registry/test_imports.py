"""Bulk import (§2): files of workers checked row by row with the single registration's
rules, upserted by ID number, with events, change feed and statistics; malformed files
refused with clear reasons."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from cwp_common.db import utcnow
from cwp_common.settings import PlatformSettings
from cwp_registry.imports.columns import COLUMNS
from cwp_registry.imports.models import ImportJob
from tests.registry.conftest import Registry, assert_problem, start_registry
from tests.registry.helpers import GD_1, SH_1, SH_2, id_number, wrong_check
from tests.registry.xlsx_files import write_shared_strings_xlsx
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens

URL = "/api/v1/registry/imports"
HEADERS = [c.header for c in COLUMNS[:5]] + ["学历"]
FIELDS = ["name", "id_number", "community_code", "position", "hire_date", "education"]


@pytest.fixture
async def reg(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Registry]:
    url = await fresh_database(backend, "registry", tmp_path)
    async with start_registry(
        url, platform_settings, tokens, import_dir=str(tmp_path / "imports"), import_max_rows=50
    ) as r:
        await r.add_community(SH_1)
        await r.add_community(SH_2)
        await r.add_community(GD_1)
        yield r


def row(number: str, code: str = SH_1, **kw: Any) -> list[Any]:
    values = {
        "name": "李四",
        "id_number": number,
        "community_code": code,
        "position": "full_time_worker",
        "hire_date": date(2021, 5, 1),
        "education": "bachelor",
    } | kw
    return [values[f] for f in FIELDS]


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], headers: list[str], encoding: str) -> bytes:
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(headers)
    for r in rows:
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in r])
    return text.getvalue().encode(encoding)


async def upload(
    reg: Registry, content: bytes, name: str = "workers.xlsx", region: str = "", **params: Any
) -> httpx.Response:
    return await reg.client.post(
        URL,
        files={"file": (name, content, "application/octet-stream")},
        params=params,
        headers=reg.auth("operator", "pii", region=region),
    )


async def finished(reg: Registry, r: httpx.Response, region: str = "") -> dict[str, Any]:
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    for _ in range(600):
        got = await reg.client.get(f"{URL}/{job_id}", headers=reg.auth("viewer", region=region))
        assert got.status_code == 200, got.text
        if got.json()["state"] in ("done", "failed"):
            return dict(got.json())
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def errors_of(reg: Registry, job_id: str, region: str = "") -> list[tuple[Any, ...]]:
    r = await reg.client.get(
        f"{URL}/{job_id}/errors.xlsx", headers=reg.auth("operator", "pii", region=region)
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    return [tuple(v) for v in ws.iter_rows(min_row=2, values_only=True)]


async def test_template_has_the_chinese_headers_and_a_codes_sheet(reg: Registry) -> None:
    r = await reg.client.get(f"{URL}/template.xlsx", headers=reg.auth("viewer"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    headers = next(wb.worksheets[0].iter_rows(values_only=True))
    assert list(headers) == [c.header for c in COLUMNS]
    notes = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert notes[3][:3] == ("岗位", "position", "是")
    assert "full_time_worker" in str(notes[3][3])


async def test_good_rows_are_registered_and_bad_rows_rejected_with_fixed_reasons(
    reg: Registry,
) -> None:
    good = [id_number() for _ in range(3)]
    bad_check = wrong_check(id_number())
    dup = good[0]
    rows = [
        row(good[0]),
        row(bad_check),  # 3: ID check character
        row(good[1], code=SH_2),
        [None] * 6,  # 5: empty, skipped
        row(id_number(), code="310101002009"),  # 6: unknown community
        row(dup),  # 7: duplicate in the file
        row(id_number(), position="mayor"),  # 8: not a position code
        row(id_number(), hire_date="2021/05/01"),  # 9: date as text
        row(id_number(), name="=A1&B1"),  # 10: a formula
        row(good[2]),
        row(id_number(area="440103"), code=GD_1),  # 12: outside the region
    ]
    before = await reg.counts()
    job = await finished(reg, await upload(reg, xlsx(rows), region="31"), region="31")
    assert job["state"] == "done", job
    assert (job["rows"], job["created"], job["updated"], job["unchanged"], job["rejected"]) == (
        10,
        3,
        0,
        0,
        7,
    )
    after = await reg.counts()
    assert after["workers"] - before["workers"] == 3
    new_events = (await reg.event_types())[before["outbox"] :]
    assert new_events == ["registry.worker.registered.v1"] * 3
    feed = await reg.rows(
        "SELECT count(*) FROM changes WHERE type = 'registry.worker.registered.v1'"
    )
    assert feed[0][0] == 3
    stats = await reg.client.get(
        "/api/v1/registry/statistics", params={"region": "31"}, headers=reg.auth("viewer")
    )
    assert stats.json()["headcount"] == 3
    report = await errors_of(reg, job["id"], region="31")
    reasons = {r[0]: r[2] for r in report}
    assert reasons == {
        3: "invalid-id-number",
        6: "unknown-community",
        7: "duplicate-in-file",
        8: "invalid-value",
        9: "date-as-text",
        10: "formula",
        12: "out-of-scope",
    }
    by_row = {r[0]: r for r in report}
    assert by_row[3][1].startswith("公民身份号码")
    assert by_row[3][4] == bad_check  # the row's own cells come back beside the reason
    for r in report:
        assert bad_check not in r[1]
        assert "2021" not in r[1]
        assert "1990" not in r[1]


async def test_a_repeated_import_changes_nothing_and_a_changed_row_updates(
    reg: Registry,
) -> None:
    numbers = [id_number() for _ in range(4)]
    content = xlsx([row(n) for n in numbers])
    first = await finished(reg, await upload(reg, content))
    assert first["created"] == 4
    before = await reg.counts()
    again = await finished(reg, await upload(reg, content))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert await reg.counts() == before
    changed = xlsx([row(numbers[0], education="master"), *(row(n) for n in numbers[1:])])
    third = await finished(reg, await upload(reg, changed))
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 3)
    assert (await reg.event_types())[-1] == "registry.worker.updated.v1"
    edu = await reg.rows("SELECT education FROM workers WHERE education = 'master'")
    assert len(edu) == 1


async def test_rows_for_registered_people_follow_the_patch_and_transfer_rules(
    reg: Registry,
) -> None:
    elsewhere = {"id_number": id_number(area="440103")}
    here = {"id_number": id_number()}
    await reg.add_worker(GD_1, **elsewhere)
    await reg.add_worker(SH_1, **here)
    rows = [
        row(elsewhere["id_number"], code=SH_1),  # held in Guangdong, caller is Shanghai
        row(here["id_number"], code=SH_2, hire_date=date(2020, 3, 1)),
    ]
    job = await finished(reg, await upload(reg, xlsx(rows), region="31"), region="31")
    codes = [r[2] for r in await errors_of(reg, job["id"], region="31")]
    assert codes == ["registered-elsewhere", "transfer-needed"]
    hired = await finished(reg, await upload(reg, xlsx([row(here["id_number"])])))
    assert [r[2] for r in await errors_of(reg, hired["id"])] == ["hire-date-differs"]
    typed = await finished(
        reg,
        await upload(
            reg,
            xlsx(
                [[*row(here["id_number"], hire_date=date(2020, 3, 1)), "elected"]],
                [*HEADERS, "用工类型"],
            ),
        ),
    )
    assert typed["rejected"] == 1
    assert [r[2] for r in await errors_of(reg, typed["id"])] == ["employment-type-mismatch"]


async def test_dry_run_counts_without_writing(reg: Registry) -> None:
    before = await reg.counts()
    rows = [row(id_number()), row(id_number()), row("123")]
    job = await finished(reg, await upload(reg, xlsx(rows), dry_run="true"))
    assert (job["dry_run"], job["created"], job["rejected"]) == (True, 2, 1)
    assert await reg.counts() == before
    assert len(await errors_of(reg, job["id"])) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_csv_with_api_field_names_in_each_encoding(reg: Registry, encoding: str) -> None:
    rows = [row(id_number(), name="王小明"), row(id_number(), name="赵敏")]
    job = await finished(reg, await upload(reg, csv_bytes(rows, FIELDS, encoding), "w.csv"))
    assert (job["state"], job["created"], job["rejected"]) == ("done", 2, 0), job
    names = {r[0] for r in await reg.rows("SELECT name FROM workers")}
    assert names == {"王小明", "赵敏"}


def merged() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    ws.append(row(id_number()))
    ws.append(row(id_number()))
    ws.merge_cells("C2:C3")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "status", "slug"),
    [
        ("w.xlsx", b"not a zip at all", 422, "import-not-a-workbook"),
        ("w.xlsx", b"", 422, "import-not-a-workbook"),
        ("w.csv", b"", 422, "import-empty-file"),
        ("w.xls", b"\xd0\xcf\x11\xe0", 415, "import-unsupported-type"),
        ("w.xlsx", xlsx([], HEADERS), 422, "import-empty-file"),
        (
            "w.xlsx",
            xlsx([row("1")], ["姓名", "身份证", *HEADERS[2:]]),
            422,
            "import-unknown-headers",
        ),
        ("w.xlsx", xlsx([row("1")], [*HEADERS[:5], "姓名"]), 422, "import-duplicate-headers"),
        ("w.csv", "姓名,公民身份号码\n张三,1\n".encode(), 422, "import-missing-columns"),
        ("w.xlsx", merged(), 422, "import-merged-cells"),
        ("w.xlsx", xlsx([row(id_number()) for _ in range(51)]), 413, "import-too-many-rows"),
    ],
)
async def test_malformed_files_are_refused_before_anything_is_written(
    reg: Registry, name: str, content: bytes, status: int, slug: str
) -> None:
    before = await reg.counts()
    r = await upload(reg, content, name)
    body = assert_problem(r, status, slug)
    assert body["errors"][0]["field"] == "file"
    assert await reg.counts() == before
    assert await reg.rows("SELECT id FROM import_jobs") == []


async def test_a_csv_that_turns_out_not_to_be_text_fails_the_job(reg: Registry) -> None:
    # Valid UTF-8 in the first 64 KiB, then bytes no UTF-8 decoder takes.
    rows = [row(id_number()) for _ in range(5)]
    content = csv_bytes(rows, FIELDS, "utf-8") + b"#" * 70_000 + b"\n\xff\xfe\xfa,x\n"
    job = await finished(reg, await upload(reg, content, "w.csv"))
    assert (job["state"], job["failure"]) == ("failed", "encoding")
    assert job["failure_detail"]


async def test_a_workbook_whose_sheet_breaks_after_its_first_rows_fails_the_job(
    reg: Registry,
) -> None:
    """The headers read, so the file is queued; the job then meets the broken XML."""
    good = xlsx([row(id_number()) for _ in range(5)])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cut = data.index(b'<row r="3"')
                data = data[:cut] + b'<row r="3"><c r="A3"' + b" " * 70_000 + b"<<"
            dst.writestr(item, data)
    job = await finished(reg, await upload(reg, broken.getvalue()))
    assert (job["state"], job["failure"]) == ("failed", "not-a-workbook")


async def test_imports_need_pii_and_jobs_are_scoped(reg: Registry) -> None:
    r = await reg.client.post(
        URL,
        files={"file": ("w.xlsx", xlsx([row(id_number())]), "application/octet-stream")},
        headers=reg.auth("operator"),
    )
    assert_problem(r, 403, "forbidden")
    job = await finished(reg, await upload(reg, xlsx([row(id_number())]), region="31"), "31")
    other = await reg.client.get(f"{URL}/{job['id']}", headers=reg.auth("viewer", region="44"))
    assert_problem(other, 404, "not-found")
    report = await reg.client.get(
        f"{URL}/{job['id']}/errors.xlsx", headers=reg.auth("operator", "pii", region="44")
    )
    assert_problem(report, 404, "not-found")


async def test_a_restart_fails_the_jobs_it_interrupted(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    url = await fresh_database(backend, "registry", tmp_path)
    async with (
        start_registry(url, platform_settings, tokens) as first,
        first.app.state.runtime.sessions() as s,
        s.begin(),
    ):
        s.add(
            ImportJob(
                state="running",
                dry_run=False,
                file_kind="xlsx",
                region="",
                created_by="tester",
                rows=1000,
                created=1000,
                updated=0,
                unchanged=0,
                rejected=0,
                created_at=utcnow(),
            )
        )
    async with start_registry(url, platform_settings, tokens) as second:
        state = await second.rows("SELECT state, failure, created FROM import_jobs")
        assert [tuple(s) for s in state] == [("failed", "interrupted", 1000)]


async def test_duplicates_across_chunks_are_rejected_in_a_dry_run_and_a_real_one(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """Chunks of two rows, a workbook with shared strings as Excel writes it: a person
    repeated in a later chunk is rejected there, the first row kept, in a dry run (which
    writes nothing) as in the import after it."""
    url = await fresh_database(backend, "registry", tmp_path)
    async with start_registry(
        url, platform_settings, tokens, import_dir=str(tmp_path / "imports"), import_chunk_rows=2
    ) as r:
        await r.add_community(SH_1)
        a, b, c, d = (id_number() for _ in range(4))
        rows = [row(a), row(b), row(c), row(a), row(b, name="王五"), row(d), row(c)]
        path = write_shared_strings_xlsx(tmp_path / "w.xlsx", [HEADERS, *rows])
        content = path.read_bytes()
        before = await r.counts()
        dry = await finished(r, await upload(r, content, dry_run="true"))
        assert (dry["rows"], dry["created"], dry["rejected"]) == (7, 4, 3)
        assert await r.counts() == before
        job = await finished(r, await upload(r, content))
        assert (job["state"], job["rows"], job["created"], job["rejected"]) == ("done", 7, 4, 3)
        for report in (await errors_of(r, dry["id"]), await errors_of(r, job["id"])):
            assert [(e[0], e[2]) for e in report] == [
                (5, "duplicate-in-file"),
                (6, "duplicate-in-file"),
                (8, "duplicate-in-file"),
            ]
        names = await r.rows("SELECT name FROM workers ORDER BY name")
        assert [n[0] for n in names] == ["李四"] * 4  # the first row of each person
