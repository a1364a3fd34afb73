"""The dashboard's pages over HTTP: every data-metric value against the registry's
statistics API and a direct count of the seeded records, pay and training against the
running services' own answers, the user's scope (a region outside it is refused and shows
no figure), a part whose service is down, languages."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from cwp_common.clock import today_in_china
from tests.dashboard.conftest import (
    COMMUNITIES,
    PASSWORD,
    RESULTS,
    YEAR,
    Seeded,
    metrics,
    sign_in,
)
from tests.support.tokens import login

pytestmark = pytest.mark.timeout(480)  # the first test waits for the platform to start


def headcount(region: str) -> int:
    """The direct count: workers seeded under `region`."""
    return sum(len(r) for code, r in RESULTS.items() if code.startswith(region))


async def statistics(client: httpx.AsyncClient, user: str, region: str) -> dict[str, object]:
    auth = await login(client, user, PASSWORD)
    r = await client.get("/api/v1/registry/statistics", headers=auth, params={"region": region})
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    ("user", "region"),
    [("sh-viewer", "31"), ("sh-viewer", "310101"), ("street-viewer", "310101002")],
)
async def test_every_figure_matches_the_statistics_api_and_a_direct_count(
    client: httpx.AsyncClient, user: str, region: str
) -> None:
    stats = await statistics(client, user, region)
    assert (await sign_in(client, user)).status_code == 303
    page = await client.get("/dashboard", params={"region": region})
    assert page.status_code == 200
    shown = metrics(page.text)
    assert shown["headcount"] == str(stats["headcount"]) == str(headcount(region))
    for key in ("residents", "households", "vacancies", "communities"):
        assert shown[key] == str(stats[key])
    assert shown["per_10k_residents"] == str(stats["per_10k_residents"])
    assert shown["national_target_per_10k"] == "18"
    assert int(shown["residents"]) == sum(
        c[1] for code, c in COMMUNITIES.items() if code.startswith(region)
    )
    by_position = stats["by_position"]
    assert isinstance(by_position, dict)
    for code, n in by_position.items():
        assert shown[f"by_position.{code}"] == str(n)
    communities = sum(1 for code in RESULTS if code.startswith(region))
    assert shown["by_position.party_secretary"] == str(communities)  # one per community
    for sub in stats["sub_regions"]:  # type: ignore[attr-defined]
        assert shown[f"sub_regions.{sub['region']}.headcount"] == str(sub["headcount"])
        assert shown[f"sub_regions.{sub['region']}.headcount"] == str(headcount(sub["region"]))
    confirmed = sum(len(r) for code, r in RESULTS.items() if code.startswith(region))
    assert shown[f"assessments.{YEAR}.confirmed"] == str(confirmed)
    assert shown[f"assessments.{YEAR}.优秀"] == str(
        sum(r.count("优秀") for code, r in RESULTS.items() if code.startswith(region))
    )


@pytest.mark.parametrize(("user", "region"), [("sh-viewer", "31"), ("street-viewer", "310101002")])
async def test_pay_and_training_figures_are_the_services_own(
    client: httpx.AsyncClient, user: str, region: str
) -> None:
    """Payroll's benchmark of this year's pay and training's compliance, as the running
    services answer them, each figure on the page; the seeded workers are all counted."""
    auth = await login(client, user, PASSWORD)
    year = today_in_china().year
    answers = {
        "pay": await client.get(
            "/api/v1/payroll/benchmarks", headers=auth, params={"region": region, "year": year}
        ),
        "training": await client.get(
            "/api/v1/training/compliance", headers=auth, params={"region": region}
        ),
    }
    assert (await sign_in(client, user)).status_code == 303
    page = (await client.get("/dashboard", params={"region": region})).text
    shown = metrics(page)
    cards = {
        "pay": ("workers", "below_floor", "share_below_floor", "floor", "average_pay"),
        "training": ("workers", "hours_done", "hours_due", "shortfall", "workers_compliant"),
    }
    for part, answer in answers.items():
        assert answer.status_code == 200, answer.text
        assert f'data-part="{part}" data-available="yes"' in page
        body = answer.json()
        assert body["workers"] == headcount(region)  # every seeded worker, paid or due
        for key in cards[part]:
            assert shown[f"{part}.{key}"] == ("" if body[key] is None else str(body[key]))
    assert Decimal(answers["training"].json()["hours_due"]) > 0
    assert answers["pay"].json()["average_pay"] != "0.00"


async def test_a_part_whose_service_is_down_says_so_and_shows_no_figure(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Training stopped: its part is absent (never made up), its report a 503, and the
    other parts still show; started again, it is back."""
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    seeded.platform.stop_service("training")
    try:
        page = (await client.get("/dashboard")).text
        assert 'data-part="training" data-available="no"' in page
        assert not [m for m in metrics(page) if m.startswith("training.")]
        assert page.count("暂无数据：该服务尚未提供此项统计") == 1
        for part in ("workforce", "assessments", "pay"):
            assert f'data-part="{part}" data-available="yes"' in page
        auth = await login(client, "sh-viewer", PASSWORD)
        for fmt in ("xlsx", "pdf"):
            r = await client.get(f"/api/v1/reports/training-compliance.{fmt}", headers=auth)
            assert r.status_code == 503
            assert r.json()["type"] == "urn:cwp:problem:report-source-unavailable"
            assert r.headers["retry-after"]
    finally:
        seeded.platform.start_service("training", timeout=120)
    for _ in range(300):  # until the gateway's circuit to training closes again
        page = (await client.get("/dashboard")).text
        if 'data-part="training" data-available="yes"' in page:
            break
        await asyncio.sleep(0.1)
    assert 'data-part="training" data-available="yes"' in page


async def test_the_region_picker_stays_inside_the_scope(client: httpx.AsyncClient) -> None:
    assert (await sign_in(client, "street-viewer")).status_code == 303
    page = await client.get("/dashboard")
    assert 'data-region="310101002"' in page.text
    # The picker offers the street's communities, and the path starts at the scope.
    assert '<option value="310101002001">' in page.text
    assert '<option value="310101002002">' in page.text
    assert 'href="/dashboard?region=31&' not in page.text
    for outside in ("31", "310101", "310101003", "310101003001", "44", ""):
        r = await client.get("/dashboard", params={"region": outside})
        assert r.status_code == 403, outside
        assert "该地区不在您的管辖范围内" in r.text
        assert "data-metric" not in r.text
    for bad in ("3101x", "310101002<b>", "3"):
        r = await client.get("/dashboard", params={"region": bad})
        assert r.status_code == 400
        assert "<b>" not in r.text


async def test_english_is_a_click_away(client: httpx.AsyncClient) -> None:
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    zh = await client.get("/dashboard", params={"region": "310101002"})
    assert 'href="/dashboard?region=310101002&amp;lang=en"' in zh.text
    en = await client.get("/dashboard", params={"region": "310101002", "lang": "en"})
    assert 'lang="en"' in en.text
    assert "Community workers" in en.text
    assert "Pay against the reference-wage floor" in en.text
    assert metrics(en.text) == metrics(zh.text)  # the same figures in either language


async def test_a_scope_between_two_levels_opens_and_stays_inside(
    client: httpx.AsyncClient,
) -> None:
    assert (await sign_in(client, "between-levels")).status_code == 303
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert 'data-region="310"' in page.text
    assert metrics(page.text)["headcount"] == str(headcount("310"))
    assert (await client.get("/dashboard", params={"region": "310101"})).status_code == 200
    assert (await client.get("/dashboard", params={"region": "31"})).status_code == 403
    assert (await client.get("/dashboard", params={"region": "320101"})).status_code == 403
