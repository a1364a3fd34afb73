"""`cwp seed-demo`: the data set is realistic and valid by the registry's own rules, and
written through a real gateway, registry and career; the same seed twice writes nothing
new."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from cwp_ops.demo import DISTRICTS, DemoData, seed, sign_in
from cwp_registry.communities.rules import validate_community_code
from cwp_registry.workers.rules import parse_id_number
from tests.support.processes import ADMIN_PASSWORD, Platform, build_platform

TODAY = date(2026, 6, 1)


def test_every_community_and_person_is_valid_and_the_staff_looks_real() -> None:
    data = DemoData(seed=7, today=TODAY)
    communities = data.communities(40)
    assert len({c.code for c in communities}) == 40
    for community in communities:
        assert validate_community_code(community.code) == community.code
        assert 2.3 < community.population / community.households < 3.0
        size = data.staff_size(community)
        positions = data.positions(max(size, 12))
        assert positions[:2] == ["party_secretary", "committee_director"]
        workers = [data.worker(community, p) for p in positions]
        for worker in workers:
            parsed = parse_id_number(worker["id_number"], TODAY)
            assert 24 <= (TODAY - parsed.birth_date).days // 365 <= 56
            assert worker["hire_date"] < TODAY.isoformat()
            assert 2 <= len(worker["name"]) <= 3
        assert len({w["id_number"] for w in workers}) == len(workers)
    sexes = Counter(
        parse_id_number(data.worker(communities[0], "full_time_worker")["id_number"], TODAY).sex
        for _ in range(400)
    )
    assert 0.5 < sexes["female"] / 400 < 0.75
    again = DemoData(seed=7, today=TODAY)
    assert again.communities(40) == communities  # the same seed, the same data set
    named = {d["code"]: d["name"] for d in data.divisions(communities)}
    for community in communities:  # every city, district and street above them is named
        assert {community.code[:4], community.code[:6], community.code[:9]} <= set(named)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("demo"), ["registry", "career", "gateway"])
    p.nats.start()
    try:
        p.start(["registry", "career", "gateway"])
        yield p
    finally:
        p.stop()


@pytest.mark.e2e
@pytest.mark.timeout(400)
async def test_seed_demo_writes_through_the_api_and_career_grades_everyone(
    platform: Platform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as client:
        auth = await sign_in(client, "admin", ADMIN_PASSWORD)
        tally = await seed(client, auth, DemoData(seed=11, today=date.today()), 30, 8)
        assert (tally.workers, tally.existing, tally.refused) == (30, 0, 0)
        assert tally.communities in (2, 3)  # 12 to 22 workers each (18 per 10,000 residents)
        listed = await client.get("/api/v1/registry/workers", headers=auth, params={"limit": 100})
        assert listed.status_code == 200
        workers = listed.json()["items"]
        assert len(workers) == 30
        # Career grades every one of them from the registry's events.
        for worker in workers[:5]:
            for _ in range(100):
                graded = await client.get(f"/api/v1/career/workers/{worker['id']}", headers=auth)
                if graded.status_code == 200:
                    break
                await asyncio.sleep(0.2)
            assert graded.status_code == 200, graded.text
            assert graded.json()["grade"] >= 1
        # The districts and streets are named, so the statistics show names.
        codes = {w["community_code"] for w in workers}
        district = sorted(codes)[0][:6]
        stats = await client.get(
            "/api/v1/registry/statistics", headers=auth, params={"region": district}
        )
        assert stats.json()["name"] == DISTRICTS[district]
        assert all(s["name"].endswith("街道") for s in stats.json()["sub_regions"])
        # The same seed again: everything exists, nothing is refused.
        again = await seed(client, auth, DemoData(seed=11, today=date.today()), 30, 8)
        assert (again.workers, again.existing, again.refused, again.communities) == (0, 30, 0, 0)
