"""Worked examples of the pure grading rule under both shipped templates."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from cwp_career.grading.rules import Current, Facts, grade, plan
from cwp_career.ladders.rules import compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback, templates
from cwp_career.workers.rules import highest

SANGANG = national_fallback()  # 三岗十八级, 3-year steps, bonuses stack (REFERENCE §2.1)
SIGANG = templates()["four-posts-24-grades"].ladder  # 四岗二十四级, 2-year steps


def facts(
    position: str = "full_time_worker",
    education: str = "junior_college",
    start: date = date(2014, 3, 1),
    qualification: str | None = None,
    skill: str | None = None,
    uncounted: frozenset[int] = frozenset(),
) -> Facts:
    return Facts(position, education, qualification, skill, start, uncounted)


def highest_only(body: LadderBody) -> LadderBody:
    return body.model_copy(update={"bonus_rule": "highest"})


def test_sangang_secretary_with_a_bachelor_degree() -> None:
    # 正职 band 7-18; 2014-03-01 to 2026-03-01 is 12 full years = 4 steps; 本科 +1.
    g = grade(SANGANG, facts("party_secretary", "bachelor"), date(2026, 3, 1))
    assert (g.category, g.grade) == ("principal", 7 + 4 + 1)
    assert (g.service_years, g.counted_years, g.steps, g.bonus) == (12, 12, 4, 1)
    assert g.pay_coefficient == Decimal("1.6600")  # example coefficient of grade 12


def test_sangang_steps_only_on_full_three_years() -> None:
    f = facts("full_time_worker", start=date(2020, 6, 15))
    assert grade(SANGANG, f, date(2023, 6, 14)).grade == 1  # 2 years 364 days
    assert grade(SANGANG, f, date(2023, 6, 15)).grade == 2  # 3 full years
    assert grade(SANGANG, f, date(2026, 6, 15)).grade == 3  # 6 full years


def test_sangang_deputy_band_starts_at_four() -> None:
    g = grade(SANGANG, facts("deputy_director", start=date(2025, 1, 1)), date(2025, 6, 1))
    assert (g.category, g.grade) == ("deputy", 4)


def test_sigang_two_year_steps_and_four_categories() -> None:
    start = date(2019, 9, 1)
    at = date(2026, 9, 1)  # 7 full years: 3 two-year steps
    assert grade(SIGANG, facts("committee_member", start=start), at).grade == 5 + 3
    assert grade(SIGANG, facts("full_time_worker", start=start), at).grade == 1 + 3
    assert grade(SIGANG, facts("deputy_secretary", start=start), at).grade == 9 + 3
    assert grade(SIGANG, facts("committee_director", start=start), at).grade == 13 + 3
    assert grade(SIGANG, facts("committee_member", start=start), at).category == "member"


def test_reference_formula_secretary_bachelor_intermediate_15_years() -> None:
    # REFERENCE §2.1 [INF]: grade = clamp(band_min + floor(years / step_years) + edu_bonus
    # + cert_bonus). 正职 band 7-18 (Shandong Art. 18), one grade per 3 years, 本科 +1
    # (Art. 21), 社会工作师 (中级) +2 (温州/宁波): 7 + floor(15 / 3) + 1 + 2 = 15.
    f = facts("party_secretary", "bachelor", date(2011, 3, 1), "intermediate")
    g = grade(SANGANG, f, date(2026, 3, 1))  # 15 full years
    assert (g.steps, g.education_bonus, g.qualification_bonus) == (5, 1, 2)
    assert g.grade == 7 + 5 + 1 + 2 == 15
    assert g.inputs(f)["bonus_rule"] == "stack"


def test_take_the_highest_is_a_ladder_option() -> None:
    # The same secretary where 就高不叠加 is the rule (呼和浩特, REFERENCE §2.1): only the
    # certificate's +2 counts, 7 + 5 + 2 = 14.
    ladder = compile_ladder(uuid.uuid4(), highest_only(SANGANG.body))
    f = facts("party_secretary", "bachelor", date(2011, 3, 1), "intermediate")
    g = grade(ladder, f, date(2026, 3, 1))
    assert (g.bonus, g.grade) == (2, 14)
    assert g.inputs(f)["bonus_rule"] == "highest"


def test_stacking_adds_every_table_and_highest_takes_one() -> None:
    # 本科 +1, 社会工作师 (intermediate) +2, 三级 skill +1.
    f = facts("full_time_worker", "bachelor", date(2026, 1, 1), "intermediate", "level_3")
    at = date(2026, 2, 1)
    stacked = grade(SANGANG, f, at)
    assert (stacked.bonus, stacked.grade) == (1 + 2 + 1, 1 + 4)
    highest = grade(compile_ladder(uuid.uuid4(), highest_only(SANGANG.body)), f, at)
    assert (highest.bonus, highest.grade) == (2, 1 + 2)


def test_only_the_highest_level_of_one_kind_is_held() -> None:
    assert highest("qualification", ["assistant", "senior", "intermediate"]) == "senior"
    assert highest("skill", ["level_5", "level_2", "level_4"]) == "level_2"
    assert highest("qualification", []) is None


def test_grade_is_clamped_to_the_band() -> None:
    f = facts("committee_member", "doctorate", date(1990, 1, 1), "senior")
    g = grade(SANGANG, f, date(2026, 1, 1))  # 36 years = 12 steps, 博士 +3, 高级 +3
    assert g.raw_grade == 1 + 12 + 3 + 3
    assert g.grade == 12  # 其他 band max
    assert g.next_step_date is None  # nothing more to climb
    g = grade(SANGANG, facts("committee_member", start=date(2030, 1, 1)), date(2026, 1, 1))
    assert (g.grade, g.service_years) == (1, 0)  # before the service start: band minimum


def test_failing_years_are_not_counted() -> None:
    f = facts("full_time_worker", start=date(2014, 1, 1), uncounted=frozenset({2020}))
    g = grade(SANGANG, f, date(2026, 1, 2))
    assert (g.service_years, g.uncounted, g.counted_years, g.steps) == (12, 1, 11, 3)
    assert g.grade == 1 + 3
    assert g.inputs(f)["uncounted_years"] == [2020]
    # Years outside the service (before the start, after the as-of date) do not count
    # against it.
    outside = facts(start=date(2014, 1, 1), uncounted=frozenset({2010, 2030}))
    assert grade(SANGANG, outside, date(2026, 1, 2)).counted_years == 12


def test_step_dates() -> None:
    f = facts(start=date(2014, 3, 1))
    g = grade(SANGANG, f, date(2026, 1, 1))  # 11 full years: 3 steps
    assert g.step_date == date(2023, 3, 1)
    assert g.next_step_date == date(2026, 3, 1)
    # An uncounted year moves both by a year.
    g = grade(SANGANG, facts(start=date(2014, 3, 1), uncounted=frozenset({2016})), date(2026, 1, 1))
    assert (g.step_date, g.next_step_date) == (date(2024, 3, 1), date(2027, 3, 1))
    # Started on 29 February: the anniversary is 28 February in common years.
    leap = facts(start=date(2016, 2, 29))
    assert grade(SANGANG, leap, date(2019, 2, 27)).steps == 0
    on_time = grade(SANGANG, leap, date(2019, 2, 28))
    assert (on_time.steps, on_time.step_date) == (1, date(2019, 2, 28))
    assert on_time.next_step_date == date(2022, 2, 28)


def test_inputs_explain_the_grade() -> None:
    f = facts("party_secretary", "master", date(2015, 5, 5), "assistant")
    inputs = grade(SANGANG, f, date(2026, 5, 5)).inputs(f)
    assert inputs == {
        "as_of": "2026-05-05",
        "position": "party_secretary",
        "concurrent_positions": [],
        "service_start_date": "2015-05-05",
        "service_years": 11,
        "uncounted_years": [],
        "counted_years": 11,
        "step_years": 3,
        "steps": 3,
        "education": "master",
        "degree": None,
        "education_bonus": 2,
        "qualification": "assistant",
        "qualification_bonus": 1,
        "skill_level": None,
        "skill_level_bonus": 0,
        "bonus_rule": "stack",
        "bonus": 3,
        "bonus_years": 0,
        "grade_floor": None,
        "band": [7, 18],
        "raw_grade": 13,
        "retired": False,
        "example": True,  # the fallback's pay coefficients are example data
    }


def current_of(g: object, effective: date) -> Current:
    return Current(g.category, g.grade, g.pay_coefficient, g.ladder.id, effective, g.next_step_date)  # type: ignore[attr-defined]


def test_plan_first_grade_and_nothing_to_do() -> None:
    f = facts(start=date(2020, 1, 1))
    g = grade(SANGANG, f, date(2026, 1, 10))
    first = plan(Current(None, None, None, None, None, None), g, "registered", date(2026, 1, 10))
    assert first is not None
    assert (first.first, first.graded, first.reason, first.effective_date) == (
        True,
        True,
        "registered",
        date(2026, 1, 10),
    )
    assert plan(current_of(g, date(2026, 1, 10)), g, None) is None


def test_plan_dates_a_step_on_its_anniversary() -> None:
    f = facts(start=date(2020, 3, 1))
    before = grade(SANGANG, f, date(2025, 12, 1))  # 5 years: 1 step
    after = grade(SANGANG, f, date(2026, 12, 1))  # 6 years: 2 steps, reached 2026-03-01
    p = plan(current_of(before, date(2025, 12, 1)), after, None)
    assert p is not None
    assert (p.reason, p.effective_date, p.graded) == ("step", date(2026, 3, 1), True)


def test_plan_dates_a_ladder_change_from_its_effective_date() -> None:
    f = facts(start=date(2020, 3, 1))
    old = grade(SANGANG, f, date(2025, 1, 1))
    body = SIGANG.body.model_copy(update={"jurisdiction": "44", "effective_date": date(2025, 7, 1)})
    new_ladder = compile_ladder(uuid.uuid4(), body)
    new = grade(new_ladder, f, date(2025, 9, 1))  # 5 years: 2 two-year steps in 四岗
    p = plan(current_of(old, date(2024, 1, 1)), new, None)
    assert p is not None
    assert (p.reason, p.effective_date) == ("ladder", date(2025, 7, 1))
    # Never before the current grade's own effective date.
    p = plan(current_of(old, date(2025, 8, 1)), new, None)
    assert p is not None
    assert p.effective_date == date(2025, 8, 1)


def test_plan_refreshes_bookkeeping_without_a_grade_change() -> None:
    f = facts(start=date(2020, 3, 1))
    g = grade(SANGANG, f, date(2025, 1, 1))
    same = Current(g.category, g.grade, g.pay_coefficient, uuid.uuid4(), date(2024, 1, 1), None)
    p = plan(same, g, None)
    assert p is not None
    assert (p.graded, p.first) == (False, False)


@pytest.mark.parametrize(
    ("position", "band"),
    [
        ("party_secretary", (7, 18)),
        ("committee_director", (7, 18)),
        ("deputy_secretary", (4, 15)),
        ("deputy_director", (4, 15)),
        ("committee_member", (1, 12)),
        ("party_committee_member", (1, 12)),
        ("full_time_worker", (1, 12)),
    ],
)
def test_sangang_bands(position: str, band: tuple[int, int]) -> None:
    g = grade(SANGANG, facts(position), date(2026, 1, 1))
    assert (g.band_min, g.band_max) == band
