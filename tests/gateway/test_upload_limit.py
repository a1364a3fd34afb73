"""File uploads through the gateway: the import route has its own body limit
(PlatformSettings.upload_max_body_bytes), on the gateway and on the registry behind it,
while every other route keeps the platform's small one."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from cwp_common.settings import PlatformSettings
from cwp_gateway.config import Settings
from tests.gateway.stack import COMMUNITY, Stack, gateway_and_registry
from tests.registry.helpers import id_number

URL = "/api/v1/registry/imports"
OLD_LIMIT = 1_048_576
UPLOAD_LIMIT = 2 * 1_048_576
# Every template column filled, so each row is about 136 bytes.
HEADERS = [
    "姓名",
    "公民身份号码",
    "社区代码",
    "岗位",
    "入职日期",
    "用工类型",
    "学历",
    "政治面貌",
    "手机号码",
    "参加社区工作日期",
    "在岗状态",
]


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADERS)
    for i in range(rows):
        w.writerow(
            [
                "欧阳娜娜",
                # A number has 1,000 sequence codes a day: a new birth day every 500.
                id_number(birth=date(1980, 1, 1) + timedelta(days=i // 500), seq=i % 500),
                COMMUNITY,
                "full_time_worker",
                "2021-03-01",
                "labour_contract",
                "bachelor",
                "masses",
                "13912345678",
                "2019-07-01",
                "active",
            ]
        )
    return out.getvalue().encode()


@pytest.fixture
async def stack(
    backend: str, tmp_path: Path, settings: Settings, platform: PlatformSettings
) -> AsyncIterator[Stack]:
    limits = platform.model_copy(
        update={"max_body_bytes": OLD_LIMIT, "upload_max_body_bytes": UPLOAD_LIMIT}
    )
    async with gateway_and_registry(backend, tmp_path, settings, limits) as s:
        yield s


async def test_a_file_over_the_old_limit_imports_through_the_gateway(stack: Stack) -> None:
    body = csv_file(8_000)
    assert OLD_LIMIT < len(body) < UPLOAD_LIMIT
    r = await stack.gateway.post(
        URL, files={"file": ("workers.csv", body, "text/csv")}, headers=stack.admin, timeout=60
    )
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(600):
        job = (await stack.gateway.get(f"{URL}/{job['id']}", headers=stack.admin)).json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.2)
    assert job["state"] == "done", job
    assert (job["rows"], job["created"], job["rejected"]) == (8_000, 8_000, 0)


async def test_an_upload_over_its_limit_and_other_routes_over_theirs_get_413(
    stack: Stack,
) -> None:
    big = csv_file(20_000)
    assert len(big) > UPLOAD_LIMIT
    declared = await stack.gateway.post(
        URL, files={"file": ("workers.csv", big, "text/csv")}, headers=stack.admin, timeout=60
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    streamed = await stack.gateway.post(
        URL,
        content=chunks(),
        headers={**stack.admin, "Content-Type": "multipart/form-data; boundary=x"},
        timeout=60,
    )
    # The upload limit is the import route's only: a worker's JSON keeps the old one.
    other = await stack.gateway.post(
        "/api/v1/registry/workers",
        content=b"x" * (OLD_LIMIT + 1),
        headers={**stack.admin, "Content-Type": "application/json"},
    )
    for r in (declared, streamed, other):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "urn:cwp:problem:payload-too-large"
    jobs = await stack.gateway.get(f"{URL}/template.xlsx", headers=stack.admin)
    assert jobs.status_code == 200  # the gateway and registry still answer
