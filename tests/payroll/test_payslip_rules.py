"""The payslip of one worker, by worked examples: allowance stacking, contribution
floors and caps, the year-end bonus, refusals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from cwp_payroll.money import yuan
from cwp_payroll.policy.rules import Contributions, Standard, reference_wage
from cwp_payroll.policy.schemas import Insurance, PayStandard
from cwp_payroll.runs.rules import Month, Refused, WorkerPay, arrears_for, compute, month_of
from cwp_payroll.tax.rules import YearToDate
from tests.payroll.helpers import demo

WAGES = {("", 2024, "non_private"): 12_411_000, ("", 2023, "non_private"): 12_069_800}


def standard(**changes: Any) -> Standard:
    body = demo()["standard"] | changes
    return Standard.compile(PayStandard.model_validate(body), False, WAGES, 2025)


def insurance(**changes: Any) -> Contributions:
    body = demo()["insurance"] | changes
    return Contributions.compile(Insurance.model_validate(body), False, WAGES, 2025)


def pay(**changes: Any) -> WorkerPay:
    values: dict[str, Any] = {
        "worker_id": uuid.uuid4(),
        "name": "王芳",
        "community_code": "440103001001",
        "position": "full_time_worker",
        "service_start_date": date(2018, 3, 1),
        "category": "other",
        "grade": 5,
        "coefficient_e4": 10_000,
        "grade_example": False,
        "qualification": None,
        "qualification_date": None,
        "one_off_due": False,
        "additional_deductions": 0,
        "bonus_separate": True,
    }
    values.update(changes)
    return WorkerPay(**values)


def month(period: int = 202503, bonus: bool = False, demo_region: bool = False) -> Month:
    first, last = month_of(period)
    return Month(period, first, last, bonus, demo_region)


def slip(
    w: WorkerPay, s: Standard | None = None, c: Contributions | None = None, **kw: Any
) -> dict[str, Any]:
    return compute(
        w,
        kw.pop("m", month()),
        s or standard(),
        c or insurance(),
        kw.pop("ytd", YearToDate()),
        kw.pop("arrears", 0),
        kw.pop("basis", None),
        kw.pop("bonus_line", 0),
    )


def money(row: dict[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(yuan(row[k]) for k in keys)


def test_allowances_stack_post_qualification_seniority_and_named_ones() -> None:
    w = pay(
        position="party_secretary",
        qualification="intermediate",
        qualification_date=date(2024, 6, 1),
        service_start_date=date(2000, 1, 1),  # 25 years × 50 = 1,250 (cap 1,500)
        coefficient_e4=25_000,
    )
    row = slip(w)
    assert money(row, "basic", "performance") == ("6800.00", "1700.00")  # 3,400 × 2.5
    assert money(
        row, "post_allowance", "qualification_allowance", "seniority_allowance", "other_allowances"
    ) == ("1300.00", "200.00", "1250.00", "200.00")
    assert yuan(row["gross"]) == "11450.00"
    assert row["lines"] == [["交通补贴", 20000]]


def test_seniority_is_capped_and_counts_full_years_only() -> None:
    assert yuan(slip(pay(service_start_date=date(1980, 1, 1)))["seniority_allowance"]) == "1500.00"
    # Started 2022-04-01: on 2025-03-31 not yet 3 full years.
    assert yuan(slip(pay(service_start_date=date(2022, 4, 1)))["seniority_allowance"]) == "100.00"


def test_a_qualification_obtained_after_the_month_pays_nothing_yet() -> None:
    w = pay(qualification="senior", qualification_date=date(2025, 4, 1))
    assert slip(w)["qualification_allowance"] == 0


def test_a_one_off_qualification_allowance_is_paid_once() -> None:
    s = standard(
        allowances={
            "qualification": {
                "schedule": "one_off",
                "assistant": "1500.00",
                "intermediate": "3000.00",
                "senior": "5000.00",
            }
        }
    )
    due = pay(qualification="assistant", qualification_date=date(2025, 1, 5), one_off_due=True)
    assert yuan(slip(due, s)["qualification_allowance"]) == "1500.00"
    assert ["qualification_one_off", 150_000] in slip(due, s)["lines"]
    paid = pay(qualification="assistant", qualification_date=date(2025, 1, 5), one_off_due=False)
    assert slip(paid, s)["qualification_allowance"] == 0


def test_the_contribution_base_is_clamped_to_its_floor_and_cap() -> None:
    # Reference 124,110 a year → 10,342.50 a month; floor 60% 6,205.50, cap 300% 31,027.50.
    low = slip(pay(coefficient_e4=5_000))
    assert yuan(low["contribution_base"]) == "6205.50"
    high = slip(pay(coefficient_e4=120_000))  # 40,800 standard pay
    assert yuan(high["contribution_base"]) == "31027.50"
    assert yuan(high["pension_employee"]) == "2482.20"
    assert yuan(high["housing_base"]) == "31027.50"  # the housing fund's own cap: 3 × too
    mid = slip(pay(coefficient_e4=20_000))  # 6,800 + 350 + 200 = 7,350 between both
    assert yuan(mid["contribution_base"]) == "7350.00"
    # The housing fund's floor is the local minimum wage, not 60%.
    assert yuan(low["housing_base"]) == "2690.00"


def test_the_bases_come_from_last_years_average_monthly_pay_not_this_months() -> None:
    # This month: 6,800 + 350 seniority + 200 transport = 7,350. Last year's average
    # monthly pay 9,000.00 sets both bases: pension 8% = 720.00, medical 2% = 180.00,
    # unemployment 0.5% = 45.00, housing fund 7% = 630.00; employer pension 16% = 1,440.00.
    row = slip(pay(coefficient_e4=20_000), basis=900_000)
    assert yuan(row["gross"]) == "7350.00"
    assert money(row, "pay_basis", "contribution_base", "housing_base") == (
        "9000.00",
        "9000.00",
        "9000.00",
    )
    assert money(
        row, "pension_employee", "medical_employee", "unemployment_employee", "housing_employee"
    ) == ("720.00", "180.00", "45.00", "630.00")
    assert yuan(row["special_deductions"]) == "1575.00"
    assert yuan(row["pension_employer"]) == "1440.00"
    # A low average: the social insurance floor (6,205.50) and the housing fund's own
    # floor (the local minimum wage 2,690.00) apply to it, not to this month's pay.
    low = slip(pay(coefficient_e4=20_000), basis=300_000)
    assert money(low, "contribution_base", "housing_base") == ("6205.50", "3000.00")
    assert yuan(low["housing_employee"]) == "210.00"
    # A high one: the caps (300% of 10,342.50 = 31,027.50).
    high = slip(pay(coefficient_e4=120_000), basis=5_000_000)
    assert money(high, "contribution_base", "housing_base") == ("31027.50", "31027.50")


def test_a_new_hires_first_month_sets_the_basis() -> None:
    # No basis yet: this month's regular pay (3,400 + 350 + 200 = 3,950; the one-off
    # and the arrears are not regular pay) is the basis, clamped to the floor.
    row = slip(pay(), arrears=10_000)
    assert yuan(row["pay_basis"]) == "3950.00"
    assert money(row, "contribution_base", "housing_base") == ("6205.50", "3950.00")
    assert yuan(row["housing_employee"]) == "276.50"


def test_a_month_pay_policy_ignores_the_years_basis() -> None:
    c = insurance(base_from="month_pay")
    row = slip(pay(coefficient_e4=20_000), c=c, basis=900_000)
    assert money(row, "pay_basis", "contribution_base", "housing_base") == (
        "7350.00",
        "7350.00",
        "7350.00",
    )
    with pytest.raises(ValueError, match="base_from"):
        Insurance.model_validate(demo()["insurance"] | {"base_from": "last_month"})


def test_employer_cost_adds_the_employers_contributions() -> None:
    row = slip(pay(coefficient_e4=20_000))
    employer = sum(
        row[k]
        for k in (
            "pension_employer",
            "medical_employer",
            "unemployment_employer",
            "injury_employer",
            "housing_employer",
        )
    )
    assert row["employer_cost"] == row["gross"] + employer
    # 7,350 × (16% + 8% + 0.5% + 0.2%) + 7,350 × 7% = 1,815.45 + 514.50
    assert yuan(employer) == "2329.95"


def test_tax_continues_the_year_to_date() -> None:
    ytd = YearToDate(months=2, income=6_000_000, special=900_000, additional=0, withheld=150_000)
    row = slip(pay(coefficient_e4=80_000, additional_deductions=200_000), ytd=ytd)
    assert row["tax"] > 0
    assert row["net"] == row["gross"] - row["special_deductions"] - row["tax"]


def test_the_year_end_bonus_is_held_then_paid_with_its_own_tax() -> None:
    s = standard(performance_schedule="year_end")
    monthly = slip(pay(coefficient_e4=20_000), s)
    assert monthly["performance"] == 0
    assert monthly["bonus"] == 0
    w = pay(coefficient_e4=20_000)
    december = slip(w, s, m=month(202412, bonus=True))
    assert yuan(december["bonus"]) == "16320.00"  # 1,360 × 12
    assert yuan(december["bonus_tax"]) == "489.60"  # ÷12 = 1,360: 3%
    assert december["tax_income"] == december["gross"] - december["bonus"]
    combined = slip(
        pay(coefficient_e4=20_000, bonus_separate=False), s, m=month(202412, bonus=True)
    )
    assert combined["bonus_tax"] == 0
    assert combined["tax_income"] == combined["gross"]
    # After 2027 the separate taxation is no longer in force, whatever the choice.
    later = slip(w, s, m=month(202812, bonus=True))
    assert later["bonus_tax"] == 0


def test_arrears_and_recovery_follow_the_coefficient_difference() -> None:
    assert yuan(arrears_for(340_000, 10_000, 12_000)) == "680.00"
    assert yuan(arrears_for(340_000, 12_000, 10_000)) == "-680.00"
    row = slip(pay(), arrears=136_000)
    assert ["arrears", 136_000] in row["lines"]
    assert row["gross"] == slip(pay())["gross"] + 136_000


@pytest.mark.parametrize(
    ("w", "reason", "kw"),
    [
        (pay(coefficient_e4=None), "no_grade", {}),
        (pay(grade_example=True), "example_coefficient", {}),
    ],
)
def test_refusals_name_a_fixed_reason(w: WorkerPay, reason: str, kw: dict[str, Any]) -> None:
    with pytest.raises(Refused) as refused:
        slip(w, **kw)
    assert refused.value.reason == reason


def test_example_policies_are_refused_outside_the_demo_region() -> None:
    body = PayStandard.model_validate(demo()["standard"])
    example = Standard.compile(body, True, WAGES, 2025)
    with pytest.raises(Refused, match="example_pay_standard"):
        slip(pay(), example)
    assert slip(pay(), example, m=month(demo_region=True))["example"] is True


def test_missing_policies_are_refused() -> None:
    with pytest.raises(Refused, match="no_pay_standard"):
        compute(pay(), month(), None, insurance(), YearToDate(), 0)
    with pytest.raises(Refused, match="no_insurance_policy"):
        compute(pay(), month(), standard(), None, YearToDate(), 0)


def test_a_base_as_a_share_of_the_reference_wage() -> None:
    s = standard(
        base={
            "method": "reference_share",
            "share": "0.8",
            "wage_kind": "non_private",
            "division": "44",
        }
    )
    # The national 2024 figure (no Guangdong series loaded): 124,110 × 0.8 / 12 = 8,274.00.
    assert yuan(s.base) == "8274.00"
    inst = standard(base={"method": "institution_start", "amount": "5200.00", "factor": "1.0"})
    assert yuan(inst.base) == "5200.00"


def test_the_reference_wage_is_the_latest_published_until_the_year_is_out() -> None:
    wages = {
        ("", 2023, "non_private"): 12069800,
        ("", 2024, "non_private"): 12411000,
        ("31", 2023, "non_private"): 21000000,
        ("", 2024, "private"): 6900000,
    }
    # A 2026 run reads 2025's figure, not yet published: the latest earlier one stands.
    assert reference_wage(wages, "", 2025, "non_private") == 12411000
    assert reference_wage(wages, "", 2024, "non_private") == 12411000
    assert reference_wage(wages, "", 2023, "non_private") == 12069800
    # The most specific series that has a figure wins, even an older one.
    assert reference_wage(wages, "310101", 2025, "non_private") == 21000000
    assert reference_wage(wages, "44", 2025, "non_private") == 12411000
    # Nothing published up to the year, or not of that kind: no figure.
    assert reference_wage(wages, "", 2022, "non_private") is None
    assert reference_wage(wages, "", 2025, "all_urban") is None


def test_an_entered_annual_bonus_is_taxed_separately_to_the_fen() -> None:
    # 36,000.00 ÷ 12 = 3,000 → 3%, no quick deduction: 1,080.00.
    row = slip(pay(), bonus_line=3_600_000)
    assert money(row, "bonus", "bonus_tax", "gross") == ("36000.00", "1080.00", "39950.00")
    assert row["tax_income"] == row["gross"] - 3_600_000  # the month's wages alone
    assert ["annual_bonus", 3_600_000] in row["lines"]
    # One fen more crosses into 10% less 210: 36,000.01 × 10% − 210 = 3,390.00 (rounded
    # half up from 3,390.001).
    assert yuan(slip(pay(), bonus_line=3_600_001)["bonus_tax"]) == "3390.00"
    # 100,000.00 ÷ 12 = 8,333.33 → 10% − 210: 9,790.00.
    assert yuan(slip(pay(), bonus_line=10_000_000)["bonus_tax"]) == "9790.00"


def test_an_annual_bonus_combined_with_the_months_wages() -> None:
    # The worker chose to combine: January, 3,900.00 (six years' seniority) + 20,000.00
    # bonus = 23,900.00 income; special deductions 496.44 + 124.11 + 31.03 + 273.00 =
    # 924.58 (the bases from the regular pay); taxable 23,900.00 − 5,000 − 924.58 =
    # 17,975.42 → 3% = 539.2626: 539.26.
    row = slip(pay(bonus_separate=False), m=month(202501), bonus_line=2_000_000)
    assert money(row, "gross", "tax_income", "special_deductions") == (
        "23900.00",
        "23900.00",
        "924.58",
    )
    assert money(row, "tax", "bonus_tax") == ("539.26", "0.00")
    # The separate option is used once a tax year: a second bonus is combined.
    again = slip(pay(), m=month(202506), bonus_line=2_000_000, ytd=YearToDate(bonus_separated=True))
    assert yuan(again["bonus_tax"]) == "0.00"
    assert again["tax_income"] == again["gross"]
    # After 2027 the separate option is gone: combined whatever the choice.
    late = slip(pay(), m=month(202801), bonus_line=2_000_000)
    assert yuan(late["bonus_tax"]) == "0.00"
