"""The dashboard's pure parts with worked examples: region paths inside a scope, charts
that escape what they draw, and the page model built from answers in the shapes the
services agreed (registry statistics, payroll benchmarks, training compliance, career's
assessment summary): every figure under its data-metric name, unchanged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from cwp_gateway.dashboard import charts, regions, view
from cwp_gateway.dashboard.sources import Figures
from cwp_gateway.reports import tables

PAY = {  # payroll's GET /benchmarks
    "region": "31",
    "year": 2026,
    "workers": 120,
    "below_floor": 6,
    "share_below_floor": "0.0500",
    "floor": "6520.00",
    "average_pay": "8123.45",
    "by_region": [
        {
            "region": "3101",
            "workers": 100,
            "below_floor": 5,
            "floor": "6520.00",
            "average_pay": "8200.10",
        },
        {
            "region": "3102",
            "workers": 20,
            "below_floor": 1,
            "floor": None,
            "average_pay": "7740.20",
        },
    ],
}
TRAINING = {  # training's GET /compliance
    "region": "31",
    "as_of": "2026-12-02",
    "workers": 120,
    "workers_compliant": 90,
    "hours_done": "4210.50",
    "hours_due": "4800.00",
    "shortfall": "589.50",
    "certificate_holders": {"assistant": 30, "intermediate": 12, "senior": 2},
    "by_region": [
        {"region": "3101", "workers": 100, "workers_compliant": 80, "hours_done": "3600.00",
         "hours_due": "4000.00", "shortfall": "400.00"},
    ],
}  # fmt: skip
WORKFORCE = {  # registry's GET /statistics (the fields the page reads)
    "region": "31",
    "headcount": 7,
    "communities": 2,
    "residents": 10000,
    "households": 3000,
    "per_10k_residents": "7.00",
    "national_target_per_10k": 18,
    "local_target_per_10k": None,
    "households_per_worker": "428.57",
    "vacancies": 11,
    "by_position": {"party_secretary": 2, "full_time_worker": 5},
    "by_sex": {"male": 3, "female": 4},
    "trend": [{"month": "2026-11", "joiners": 2, "leavers": 1, "moved_in": 0, "moved_out": 1}],
    "sub_regions": [{"region": "3101", "name": None, "headcount": 7, "per_10k_residents": "7.00"}],
}
ASSESSMENTS = {"region": "31", "as_of": "2026-12-02",
               "years": [{"year": 2025, "confirmed": 3, "by_result": {"优秀": 1, "合格": 2}}]}  # fmt: skip


def shown(section: view.Section) -> dict[str, str]:
    cells = list(section.cards) + [c for f in section.figures for _, row in f.rows for c in row]
    return {c.metric: c.value for c in cells}


@pytest.mark.parametrize(
    ("scope", "code", "path"),
    [
        ("", "310101002001", ["", "31", "3101", "310101", "310101002", "310101002001"]),
        ("31", "31", ["31"]),
        ("31", "310101", ["31", "3101", "310101"]),
        ("310101002", "310101002001", ["310101002", "310101002001"]),
    ],
)
def test_the_path_starts_at_the_scope(scope: str, code: str, path: list[str]) -> None:
    assert regions.path_from(scope, code) == path


def test_region_codes_are_five_levels_of_ascii_digits() -> None:
    for good in ("", "31", "3101", "310101", "310101002", "310101002001"):
        assert regions.is_region(good)
    for bad in ("3", "310", "3101010", "31010100200", "3101010020011", "31a1", "３１"):
        assert not regions.is_region(bad)
    assert regions.within("310101", "31")
    assert [regions.level_of(c) for c in ("", "3", "31", "310", "310101002001")] == [
        "national",
        "region",
        "province",
        "province",
        "community",
    ]
    assert not regions.within("32", "31")


def test_charts_escape_labels_and_scale_to_the_largest_value() -> None:
    svg = str(charts.bars("<t>", [("<script>", 10), ("b&c", Decimal("5.5"))]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'role="img"' in svg
    assert 'width="240"' in svg  # the largest bar spans the drawing width
    assert 'width="132"' in svg  # 5.5 of 10
    assert str(charts.bars("t", [])) == ""


def test_payroll_and_training_answers_become_data_metrics_unchanged() -> None:
    pay = shown(view.pay(PAY, "zh"))
    assert pay["pay.workers"] == "120"
    assert pay["pay.share_below_floor"] == "0.0500"
    assert pay["pay.average_pay"] == "8123.45"
    assert pay["pay.by_region.3101.average_pay"] == "8200.10"
    assert pay["pay.by_region.3102.floor"] == ""  # no floor there: nothing invented
    training = shown(view.training(TRAINING, "en"))
    assert training["training.hours_done"] == "4210.50"
    assert training["training.workers_compliant"] == "90"
    assert training["training.certificate_holders.senior"] == "2"
    assert training["training.by_region.3101.shortfall"] == "400.00"


def test_workforce_and_assessments_become_data_metrics_unchanged() -> None:
    figures = Figures("31", date(2026, 12, 2), {"workforce": WORKFORCE, "assessments": ASSESSMENTS})
    sections = {s.key: s for s in view.sections(figures, "zh")}
    workforce = shown(sections["workforce"])
    assert workforce["headcount"] == "7"
    assert workforce["per_10k_residents"] == "7.00"
    assert workforce["national_target_per_10k"] == "18"
    assert workforce["local_target_per_10k"] == ""
    assert workforce["by_position.party_secretary"] == "2"
    assert workforce["trend.2026-11.moved_out"] == "1"
    assert shown(sections["sub_regions"])["sub_regions.3101.headcount"] == "7"
    assert shown(sections["assessments"])["assessments.2025.优秀"] == "1"
    for absent in ("pay", "training"):
        assert sections[absent].available is False
        assert shown(sections[absent]) == {}


def test_report_tables_keep_exact_numbers() -> None:
    pay = tables.pay(PAY)
    assert pay[0].rows == (
        ("人数", 120),
        ("低于最低参照工资人数", 6),
        ("低于最低参照工资比例", Decimal("0.0500")),
        ("最低参照工资", Decimal("6520.00")),
        ("平均工资", Decimal("8123.45")),
    )
    assert pay[1].rows[1] == ("3102", 20, 1, None, Decimal("7740.20"))
    years = tables.assessments(ASSESSMENTS)[0]
    assert years.headings == ("年度", "已确认", "优秀", "合格")
    assert years.rows == (("2025", 3, 1, 2),)


def test_numbers_are_read_exactly_or_not_at_all() -> None:
    values: list[Any] = [3, "4.10", None, True, "n/a"]
    assert [view.number(v) for v in values] == [3, Decimal("4.10"), None, None, None]
