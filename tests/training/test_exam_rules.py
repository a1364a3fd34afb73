"""The exam rules with worked examples, window edges included (REFERENCE §2.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cwp_training.exams.rules import REVIEW, Sitting, ineligibility, obtained_on, passes
from cwp_training.policy.rules import pass_mark, resolve

NATIONAL = resolve("", date(2025, 1, 1))
ASSISTANT = NATIONAL.exam.levels["assistant"]
INTERMEDIATE = NATIONAL.exam.levels["intermediate"]
SENIOR = NATIONAL.exam.levels["senior"]


def sat(subject: str, day: date, score: str = "72") -> Sitting:
    return Sitting(subject, day, Decimal(score), passes(Decimal(score), 60))


def test_the_pass_mark_is_60_and_a_regional_line_applies_only_inside_its_region() -> None:
    assert passes(Decimal("60.0"), 60)
    assert not passes(Decimal("59.9"), 60)
    assert pass_mark(NATIONAL, "440103001001") == 60
    assert pass_mark(NATIONAL, "513201001001") == 54  # the example 三区三州 line
    assert pass_mark(NATIONAL, "510101001001") == 60


def test_assistant_needs_both_subjects_in_one_exam_year() -> None:
    same_year = [
        sat("comprehensive_assistant", date(2024, 6, 15)),
        sat("practice_assistant", date(2024, 6, 16)),
    ]
    assert obtained_on(ASSISTANT, same_year) == date(2024, 6, 16)
    split = [
        sat("comprehensive_assistant", date(2023, 6, 17)),
        sat("practice_assistant", date(2024, 6, 16)),
    ]
    assert obtained_on(ASSISTANT, split) is None
    failed = [
        sat("comprehensive_assistant", date(2024, 6, 15)),
        sat("practice_assistant", date(2024, 6, 16), "59.5"),
    ]
    assert obtained_on(ASSISTANT, failed) is None


def test_intermediate_rolls_over_two_exam_years_and_not_three() -> None:
    two_years = [
        sat("comprehensive_intermediate", date(2023, 6, 17)),
        sat("practice_intermediate", date(2023, 6, 18)),
        sat("law_and_policy", date(2024, 6, 16)),
    ]
    assert obtained_on(INTERMEDIATE, two_years) == date(2024, 6, 16)
    # 2022's pass has expired by 2024: the window is 2023-2024.
    three_years = [
        sat("comprehensive_intermediate", date(2022, 6, 18)),
        sat("practice_intermediate", date(2023, 6, 17)),
        sat("law_and_policy", date(2024, 6, 16)),
    ]
    assert obtained_on(INTERMEDIATE, three_years) is None
    # Retaking the expired subject in 2024 completes the 2023-2024 window.
    retaken = [*three_years, sat("comprehensive_intermediate", date(2024, 6, 15))]
    assert obtained_on(INTERMEDIATE, retaken) == date(2024, 6, 16)


def test_intermediate_is_obtained_the_day_the_last_pass_completed_the_window() -> None:
    early = [
        sat("comprehensive_intermediate", date(2023, 6, 17)),
        sat("practice_intermediate", date(2023, 6, 18)),
        sat("law_and_policy", date(2023, 6, 18), "61"),
        sat("law_and_policy", date(2024, 6, 16), "80"),
    ]
    assert obtained_on(INTERMEDIATE, early) == date(2023, 6, 18)


def test_senior_needs_the_review_within_three_years_of_the_exam() -> None:
    exam = sat("practice_senior", date(2022, 6, 18))
    on_the_last_day = [exam, sat(REVIEW, date(2025, 6, 18))]
    assert obtained_on(SENIOR, on_the_last_day) == date(2025, 6, 18)
    a_day_late = [exam, sat(REVIEW, date(2025, 6, 19))]
    assert obtained_on(SENIOR, a_day_late) is None
    exam_only = [exam]
    assert obtained_on(SENIOR, exam_only) is None
    review_failed = [exam, sat(REVIEW, date(2023, 11, 1), "55")]
    assert obtained_on(SENIOR, review_failed) is None
    # A review before the exam does not count.
    before = [exam, sat(REVIEW, date(2021, 11, 1))]
    assert obtained_on(SENIOR, before) is None


def test_senior_eligibility_needs_a_bachelor_and_five_years_after_the_intermediate() -> None:
    """REFERENCE §2.3 (人社部规〔2018〕2号): 本科+ and >= 5 years after 社会工作师,
    counted to 31 December of the exam year."""
    rule = SENIOR.eligibility
    assert rule is not None
    edge = {"intermediate": date(2020, 12, 31)}  # exactly 5 years on 31 Dec 2025
    assert ineligibility(rule, "bachelor", edge, 2025) == []
    assert ineligibility(rule, "doctorate", edge, 2025) == []
    a_day_late = {"intermediate": date(2021, 1, 1)}
    [late] = ineligibility(rule, "master", a_day_late, 2025)
    assert late.field == "qualification"
    assert "5 years" in late.message
    assert ineligibility(rule, "master", a_day_late, 2026) == []  # a year later it counts
    # Sat early in the year: the years still count to 31 December, not to the exam day.
    assert ineligibility(rule, "bachelor", {"intermediate": date(2020, 11, 1)}, 2025) == []
    [school] = ineligibility(rule, "junior_college", edge, 2025)
    assert school.field == "education"
    [unknown] = ineligibility(rule, None, edge, 2025)
    assert unknown.field == "education"
    # An assistant certificate is not the intermediate one; both conditions are named.
    reasons = ineligibility(rule, "below_junior_college", {"assistant": date(2010, 1, 1)}, 2025)
    assert [r.field for r in reasons] == ["education", "qualification"]
    # Reasons name the condition, never the worker's own education.
    assert all("junior_college" not in r.message for r in reasons)


def test_only_the_senior_level_carries_eligibility_conditions() -> None:
    assert ASSISTANT.eligibility is None
    assert INTERMEDIATE.eligibility is None
