"""Cumulative withholding and the annual bonus, by worked examples (REFERENCE §3.6)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from cwp_payroll.money import Rate, apply_rate, round_div, to_fen, yuan
from cwp_payroll.tax.rules import (
    YearToDate,
    after,
    annual_tax,
    bonus_separately,
    bonus_tax,
    withhold,
)
from tests.payroll.helpers import API


def year(months: list[tuple[str, str, str]]) -> list[int]:
    ytd = YearToDate()
    out = []
    for gross, special, additional in months:
        g, s, a = to_fen(gross), to_fen(special), to_fen(additional)
        w = withhold(ytd, g, s, a)
        out.append(w.withholding)
        ytd = after(ytd, w, g, s, a)
    return out


def test_a_steady_30000_crosses_the_10_and_20_percent_brackets() -> None:
    # Taxable 18,500 a month: cumulative 18,500 (3%), 37,000 (10% − 2,520) in February,
    # 148,000 (20% − 16,920) in August.
    withheld = year([("30000.00", "4500.00", "2000.00")] * 12)
    assert [yuan(w) for w in withheld[:3]] == ["555.00", "625.00", "1850.00"]
    assert yuan(withheld[6]) == "1850.00"  # July: 129,500 → 10,430 − 8,580
    assert yuan(withheld[7]) == "2250.00"  # August: 148,000 → 12,680 − 10,430
    assert yuan(sum(withheld)) == yuan(annual_tax(to_fen("222000.00")))


def test_below_the_basic_deduction_nothing_is_withheld() -> None:
    assert year([("4800.00", "500.00", "0.00")] * 3) == [0, 0, 0]


def test_a_lower_month_withholds_nothing_rather_than_refunding() -> None:
    # Month 1: taxable 15,000 → 450. Month 2 earns nothing: cumulative 10,000 → 300 < 450.
    assert [yuan(w) for w in year([("20000.00", "0.00", "0.00"), ("0.00", "0.00", "0.00")])] == [
        "450.00",
        "0.00",
    ]


def test_rounding_is_half_up_to_the_fen() -> None:
    # Taxable 1.50 × 3% = 0.045 → 0.05 (a banker's rounding would give 0.04).
    assert year([("5001.50", "0.00", "0.00")]) == [5]
    assert apply_rate(150, Rate("0.03")) == 5
    assert round_div(-5, 2) == -3
    assert round_div(5, 2) == 3


def test_the_top_bracket() -> None:
    # 1,000,000 taxable: 45% − 181,920 = 268,080.
    assert yuan(annual_tax(to_fen("1000000.00"))) == "268080.00"
    assert yuan(annual_tax(to_fen("960000.00"))) == "250080.00"  # 35% − 85,920


@pytest.mark.parametrize(
    ("bonus", "tax"),
    [
        ("36000.00", "1080.00"),  # ÷12 = 3,000: 3%
        ("36000.12", "3390.01"),  # ÷12 just above 3,000: 10% − 210 (the "bonus trap")
        ("144000.00", "14190.00"),  # ÷12 = 12,000: 10% − 210
        ("1000000.00", "434840.00"),  # ÷12 above 80,000: 45% − 15,160
        ("0.00", "0.00"),
    ],
)
def test_the_annual_bonus_taxed_separately(bonus: str, tax: str) -> None:
    assert yuan(bonus_tax(to_fen(bonus))) == tax


def test_separate_taxation_ends_with_2027() -> None:
    assert bonus_separately(True, date(2027, 12, 31))
    assert not bonus_separately(True, date(2028, 1, 31))
    assert not bonus_separately(False, date(2025, 12, 31))


def test_money_strings_are_exact() -> None:
    assert to_fen("0.10") == 10
    assert to_fen("12") == 1200
    with pytest.raises(ValueError, match="two decimals"):
        to_fen("1.005")
    with pytest.raises(ValueError, match="finite"):
        to_fen("NaN")


async def test_the_preview_answers_each_month_with_its_cumulative_figures(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    month = {
        "gross": "30000.00",
        "special_deductions": "4500.00",
        "additional_deductions": "2000.00",
    }
    r = await client.post(f"{API}/tax/preview", headers=operator, json={"months": [month] * 2})
    assert r.status_code == 200, r.text
    second = r.json()["months"][1]
    assert second == {
        "month": 2,
        "gross": "30000.00",
        "cumulative_income": "60000.00",
        "cumulative_basic_deduction": "10000.00",
        "cumulative_special_deductions": "9000.00",
        "cumulative_additional_deductions": "4000.00",
        "cumulative_taxable_income": "37000.00",
        "rate": "0.10",
        "quick_deduction": "2520.00",
        "cumulative_tax": "1180.00",
        "withheld_before": "555.00",
        "withholding": "625.00",
    }
    assert r.json()["total_withheld"] == "1180.00"


@pytest.mark.parametrize(
    "months",
    [
        [{"gross": 30000, "special_deductions": "0.00", "additional_deductions": "0.00"}],
        [{"gross": "-1.00", "special_deductions": "0.00", "additional_deductions": "0.00"}],
        [{"gross": "1.001", "special_deductions": "0.00", "additional_deductions": "0.00"}],
        [{"gross": "1e3", "special_deductions": "0.00", "additional_deductions": "0.00"}],
        [{"gross": "abc", "special_deductions": "0.00", "additional_deductions": "0.00"}],
        [{"gross": "1.00", "special_deductions": "0.00"}],
        [],
        [{"gross": "1.00", "special_deductions": "0.00", "additional_deductions": "0.00"}] * 13,
    ],
)
async def test_the_preview_refuses_malformed_money(
    client: httpx.AsyncClient, operator: dict[str, str], months: list[object]
) -> None:
    r = await client.post(f"{API}/tax/preview", headers=operator, json={"months": months})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "abc" not in r.text
    assert "1e3" not in r.text


async def test_the_preview_needs_a_token(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{API}/tax/preview", json={"months": []})
    assert r.status_code == 401
