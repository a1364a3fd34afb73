"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): sign in,
pick a region, read the data-metric values against the statistics API and a direct
count, open a chart's table, download each report and check its figures, try a region
outside the scope, and save screenshots (desktop and phone) for review under
var/test-artifacts/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.dashboard.conftest import PASSWORD, RESULTS, YEAR, Seeded
from tests.dashboard.reading import header_of, sheet_rows, table_after
from tests.support.processes import ROOT

pytestmark = pytest.mark.timeout(480)  # the first test waits for the platform to start
CHROMIUM = os.environ.get("CWP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "test-artifacts"
STEP_MS = 15_000  # the longest any one browser step may wait


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's package 'chromium'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def signed_in(browser: Browser, seeded: Seeded, user: str, **context: object) -> Page:
    page = browser.new_context(base_url=seeded.url, accept_downloads=True, **context).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(STEP_MS)
    page.goto("/dashboard")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("#region")
    return page


def api(seeded: Seeded, user: str, path: str, **params: str) -> httpx.Response:
    with httpx.Client(base_url=seeded.url, timeout=20) as c:
        form = {"grant_type": "password", "username": user, "password": PASSWORD}
        token = c.post("/api/v1/auth/token", data=form).json()["access_token"]
        return c.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def metric(page: Page, name: str) -> str:
    value = page.locator(f'[data-metric="{name}"]').first.text_content()
    assert value is not None
    return value.strip()


def test_a_street_user_reads_its_figures_opens_a_table_and_downloads_the_reports(
    browser: Browser, seeded: Seeded
) -> None:
    page = signed_in(browser, seeded, "street-viewer")
    assert page.locator("#region").get_attribute("data-region") == "310101002"

    # Pick a community from the picker.
    page.select_option("#region-picker", "310101002001")
    page.click("#go")
    page.wait_for_selector('#region[data-region="310101002001"]')
    stats = api(seeded, "street-viewer", "/api/v1/registry/statistics", region="310101002001")
    assert stats.status_code == 200
    expected = stats.json()
    assert metric(page, "headcount") == str(expected["headcount"])
    assert metric(page, "headcount") == str(len(RESULTS["310101002001"]))  # direct count
    assert metric(page, "per_10k_residents") == expected["per_10k_residents"]
    assert metric(page, f"assessments.{YEAR}.confirmed") == str(len(RESULTS["310101002001"]))

    # A chart's table is one click away.
    figure = page.locator("#workforce .fig", has_text="按岗位").first
    table = figure.locator("table")
    assert not table.is_visible()
    figure.locator("summary").click()
    assert table.is_visible()
    assert table.locator('[data-metric="by_position.party_secretary"]').text_content() == "1"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-community.png"), full_page=True)

    # Each report from the page: the files' figures are the page's.
    page.goto("/dashboard?region=310101002")
    with page.expect_download() as workforce:
        page.click('a[data-report="workforce.xlsx"]')
    rows = sheet_rows(Path(workforce.value.path()).read_bytes())
    assert header_of(rows)["地区 Region"] == "310101002"
    summary = {r[0]: r[1] for r in table_after(rows, "队伍规模结构")[1:] if len(r) == 2}
    assert summary["社区工作者人数"] == int(metric(page, "headcount")) == 5
    with page.expect_download() as assessments:
        page.click('a[data-report="assessments.xlsx"]')
    year_row = table_after(sheet_rows(Path(assessments.value.path()).read_bytes()), "年度考核结果")[
        1
    ]
    assert year_row[:2] == [str(YEAR), int(metric(page, f"assessments.{YEAR}.confirmed"))]
    for name in ("workforce.pdf", "assessments.pdf"):
        with page.expect_download() as pdf:
            page.click(f'a[data-report="{name}"]')
        assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    for name in ("pay-benchmark.xlsx", "training-compliance.pdf"):
        with page.expect_download() as download:
            page.click(f'a[data-report="{name}"]')
        assert Path(download.value.path()).stat().st_size > 0

    # A region outside the scope is refused, with no figure on the page.
    response = page.goto("/dashboard?region=31")
    assert response is not None
    assert response.status == 403
    assert page.locator("#refused").is_visible()
    assert page.locator("[data-metric]").count() == 0


def test_the_province_page_on_a_phone_in_english(browser: Browser, seeded: Seeded) -> None:
    page = signed_in(
        browser, seeded, "sh-viewer", viewport={"width": 375, "height": 812}, is_mobile=True
    )
    page.click("#language")
    page.wait_for_selector('html[lang="en"]')
    assert metric(page, "headcount") == str(
        sum(len(r) for c, r in RESULTS.items() if c[:2] == "31")
    )
    # Nothing wider than the phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone-en.png"), full_page=True)
    page.click("#sign-out")
    page.wait_for_selector('input[name="username"]')
