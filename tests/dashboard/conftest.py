"""The dashboard against the real platform: the gateway and every service as processes
on real HTTP and NATS, seeded through the API once per test session (starting the
processes is the slow part). Payroll pays the month for Shanghai (its demo region, on
the demo policy); training holds the workers' obligations from the registrations.

Seed (2025 assessments confirmed per street; the national ladder's scale):
    310101002001  3 workers   (street 310101002)  优秀 1, 合格 2
    310101002002  2 workers   (street 310101002)  合格 2
    310101003001  1 worker    (street 310101003)  合格 1
    440103001001  2 workers   (Guangdong)         合格 2
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from cwp_common.clock import today_in_china
from tests.support.ids import resident_id
from tests.support.processes import ADMIN_PASSWORD, Platform, build_platform
from tests.support.tokens import login

SERVICES = ["registry", "career", "payroll", "training", "gateway"]
PASSWORD = "a-long-password-123"
YEAR = 2025
COMMUNITIES = {
    "310101002001": ("南京东路第一社区", 6200, 2400),
    "310101002002": ("南京东路第二社区", 5100, 2000),
    "310101003001": ("外滩第一社区", 4300, 1700),
    "440103001001": ("广州第一社区", 8000, 3000),
}
# community -> results of its workers' 2025 assessments
RESULTS = {
    "310101002001": ["优秀", "合格", "合格"],
    "310101002002": ["合格", "合格"],
    "310101003001": ["合格"],
    "440103001001": ["合格", "合格"],
}
USERS = {  # username -> (roles, region)
    "sh-viewer": (["viewer"], "31"),
    "street-viewer": (["viewer"], "310101002"),
    "gd-viewer": (["viewer"], "44"),
    "no-role": (["pii"], "31"),
    "between-levels": (["viewer"], "310"),  # an account's region may be any prefix
}


@dataclass
class Seeded:
    platform: Platform
    workers: dict[str, list[str]] = field(default_factory=dict)  # community -> ids

    @property
    def url(self) -> str:
        return self.platform.gateway


def scores(result: str) -> dict[str, Any]:
    return {
        "political_quality": "90",
        "work_performance": 88,
        "resident_satisfaction": "91.5",
        "result": result,
    }


async def _until_graded(client: httpx.AsyncClient, auth: dict[str, str], ids: list[str]) -> None:
    for wid in ids:
        for _ in range(150):
            r = await client.get(f"/api/v1/career/workers/{wid}", headers=auth)
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 200, r.text


async def _until(client: httpx.AsyncClient, auth: dict[str, str], path: str, ready: Any) -> Any:
    """Poll a GET until `ready(body)` holds: the services learn from events."""
    for _ in range(600):
        r = await client.get(path, headers=auth)
        if r.status_code == 200 and ready(r.json()):
            return r.json()
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} not ready: {r.status_code} {r.text[:200]}")


async def _pay_the_month(client: httpx.AsyncClient, auth: dict[str, str], ids: list[str]) -> None:
    """Payroll pays this month for Shanghai once it holds every worker's grade."""
    for wid in ids:
        await _until(client, auth, f"/api/v1/payroll/workers/{wid}", lambda w: w["grade"])
    body = {"jurisdiction": "31", "period": today_in_china().strftime("%Y-%m")}
    r = await client.post("/api/v1/payroll/runs", headers=auth, json=body)
    assert r.status_code == 201, r.text
    run = r.json()["id"]
    done = await _until(
        client, auth, f"/api/v1/payroll/runs/{run}", lambda r: r["status"] == "completed"
    )
    assert done["progress"]["failures"] == 0, done


async def seed(client: httpx.AsyncClient, seeded: Seeded) -> None:
    auth = await login(client, "admin", ADMIN_PASSWORD)
    for username, (roles, region) in USERS.items():
        body: dict[str, Any] = {
            "username": username,
            "password": PASSWORD,
            "roles": roles,
            "region": region,
        }
        r = await client.post("/api/v1/auth/users", headers=auth, json=body)
        assert r.status_code == 201, r.text
    seq = 0
    for code, (name, population, households) in COMMUNITIES.items():
        body = {"code": code, "name": name, "population": population, "households": households}
        r = await client.post("/api/v1/registry/communities", headers=auth, json=body)
        assert r.status_code == 201, r.text
        for i, _ in enumerate(RESULTS[code]):
            seq += 1
            worker = {
                "name": f"工作者{seq}",
                "id_number": resident_id("310101", date(1985, 6, 12), seq),
                "community_code": code,
                "position": "party_secretary" if i == 0 else "full_time_worker",
                "education": "bachelor",
                "hire_date": "2014-01-01",
            }
            r = await client.post("/api/v1/registry/workers", headers=auth, json=worker)
            assert r.status_code == 201, r.text
            seeded.workers.setdefault(code, []).append(r.json()["id"])
    await _until_graded(client, auth, [w for ids in seeded.workers.values() for w in ids])
    for wid in (w for ids in seeded.workers.values() for w in ids):
        await _until(client, auth, f"/api/v1/training/workers/{wid}/compliance", bool)
    shanghai = [w for code, ids in seeded.workers.items() if code.startswith("31") for w in ids]
    await _pay_the_month(client, auth, shanghai)
    by_street: dict[str, list[dict[str, Any]]] = {}
    for code, results in RESULTS.items():
        rows = [
            {"worker_id": w, **scores(res)}
            for w, res in zip(seeded.workers[code], results, strict=True)
        ]
        by_street.setdefault(code[:9], []).extend(rows)
    for street, rows in by_street.items():
        body = {"unit": street, "year": YEAR, "rows": rows, "confirm": True}
        r = await client.post("/api/v1/career/assessments/bulk", headers=auth, json=body)
        assert r.status_code == 201, r.text


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    p = build_platform(tmp_path_factory.mktemp("dashboard"), SERVICES)
    p.nats.start()
    try:
        p.start(SERVICES, timeout=120)  # a shared, loaded machine starts Python slowly
        s = Seeded(p)

        async def run() -> None:
            async with httpx.AsyncClient(base_url=p.gateway, timeout=20) as client:
                await seed(client, s)

        asyncio.run(run())
        yield s
    finally:
        p.stop()


@pytest.fixture
async def client(seeded: Seeded) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=seeded.url, timeout=20) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    """The browser's way in: the form (for its CSRF token), then the post."""
    form = await client.get("/dashboard")
    assert form.status_code == 200
    data = {"username": username, "password": password, "csrf_token": csrf_of(form.text)}
    return await client.post("/dashboard/login", data=data)


def metrics(html: str) -> dict[str, str]:
    """Every data-metric value of a page."""
    return dict(re.findall(r'data-metric="([^"]+)"[^>]*>([^<]*)<', html))
