"""The dashboard's pages over HTTP: every data-metric value against the registry's
statistics API and a direct count of the seeded records, the user's scope (a region
outside it is refused and shows no figure), parts whose service is absent, languages."""

from __future__ import annotations

import httpx
import pytest

from tests.dashboard.conftest import COMMUNITIES, PASSWORD, RESULTS, YEAR, metrics, sign_in
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


async def test_parts_whose_service_is_absent_say_so_and_show_no_figure(
    client: httpx.AsyncClient,
) -> None:
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    page = (await client.get("/dashboard")).text
    for part in ("pay", "training"):
        assert f'data-part="{part}" data-available="no"' in page
        assert not [m for m in metrics(page) if m.startswith(f"{part}.")]
    assert page.count("暂无数据：该服务尚未提供此项统计") == 2
    assert 'data-part="workforce" data-available="yes"' in page


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
    assert "Not available yet" in en.text
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
