"""Worked examples of the policy corrections (issue 7 §2) in the pure grading rule:
学历 and 学位 apart, bonuses in service years, a failing year docked by the part served,
concurrent posts, the retirement date and a grade kept from a move."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from cwp_career.grading.rules import Facts, grade, service_years
from cwp_career.ladders.rules import Ladder, check_ladder, compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback

SANGANG = national_fallback()


def ladder(**changes: Any) -> Ladder:
    body = LadderBody.model_validate({**SANGANG.body.model_dump(mode="json"), **changes})
    assert check_ladder(body) == []
    return compile_ladder(uuid.uuid4(), body)


# REFERENCE §2.1, Shandong Art. 21: "本科 +1, 硕士 +2, 博士 +3 grades. If only one of
# 学历/学位 is held, service years count as +1 / +3 / +5 years".
SHANDONG = ladder(
    education_basis="both",
    education_bonus={"bachelor": 1, "master": 2, "doctorate": 3},
    single_credential_bonus={"bachelor": 1, "master": 3, "doctorate": 5},
    bonus_units={"single_credential": "years"},
    bonus_rule="stack",
)


def worker(
    education: str = "junior_college",
    degree: str | None = None,
    start: date = date(2014, 3, 1),
    position: str = "full_time_worker",
    **more: Any,
) -> Facts:
    return Facts(position, education, None, None, start, degree=degree, **more)


def test_shandong_both_credentials_give_grades() -> None:
    # 本科学历 + 学士学位: +1 grade. 12 full years = 4 steps: 1 + 4 + 1.
    g = grade(SHANDONG, worker("bachelor", "bachelor"), date(2026, 3, 1))
    assert (g.education_bonus, g.bonus_years, g.grade) == (1, 0, 6)
    g = grade(SHANDONG, worker("master", "master"), date(2026, 3, 1))
    assert (g.education_bonus, g.grade) == (2, 7)


def test_shandong_only_one_credential_gives_service_years() -> None:
    # 硕士学历 without the 硕士学位: +3 service years instead of +2 grades. 10 full years
    # (2016-03-01 to 2026-03-01) + 3 = 13 years = 4 steps: grade 1 + 4 = 5.
    start = date(2016, 3, 1)
    g = grade(SHANDONG, worker("master", "bachelor", start), date(2026, 3, 1))
    assert (g.education_bonus, g.bonus_years, g.steps, g.grade) == (0, 3, 4, 5)
    assert g.counted_years == 10  # the bonus is not service for eligibility
    # The step dates move with the bonus: the fifth step comes at 15 years = 2028-03-01.
    assert g.next_step_date == date(2028, 3, 1)
    # 学士学位 with a 大专 学历 (e.g. earned by self-study): +1 year.
    g = grade(SHANDONG, worker("junior_college", "bachelor", start), date(2026, 3, 1))
    assert (g.bonus_years, g.steps) == (1, 3)  # 11 years
    # Without 学历 or 学位 at 本科 level there is no education bonus.
    g = grade(SHANDONG, worker("junior_college", None, start), date(2026, 3, 1))
    assert (g.education_bonus, g.bonus_years, g.steps) == (0, 0, 3)


def test_degrees_as_years_of_service() -> None:
    # REFERENCE §2.1 alternative rule: 学士/硕士/博士 count as 3/5/7 years of service.
    years = ladder(
        education_basis="degree",
        education_bonus={"bachelor": 3, "master": 5, "doctorate": 7},
        bonus_units={"education": "years"},
    )
    g = grade(years, worker("master", "master", date(2024, 3, 1)), date(2026, 3, 1))
    assert (g.bonus_years, g.steps, g.grade) == (5, 2, 3)  # 2 + 5 = 7 years
    g = grade(years, worker("bachelor", None, date(2024, 3, 1)), date(2026, 3, 1))
    assert (g.bonus_years, g.steps) == (0, 0)  # 学历 without a 学位 earns nothing here


def test_education_basis_refuses_levels_it_cannot_hold() -> None:
    body = SANGANG.body.model_dump(mode="json")
    body.update(education_basis="degree", education_bonus={"junior_college": 1})
    errors = check_ladder(LadderBody.model_validate(body))
    assert [e["field"] for e in errors] == ["education_bonus.junior_college"]
    body.update(
        education_basis="education", education_bonus={}, single_credential_bonus={"master": 3}
    )
    errors = check_ladder(LadderBody.model_validate(body))
    assert [e["field"] for e in errors] == ["single_credential_bonus"]
    body.update(single_credential_bonus={}, bonus_units={"education": "months"})
    with pytest.raises(ValidationError):
        LadderBody.model_validate(body)


def test_a_failing_year_docks_only_the_part_served() -> None:
    # Started 2020-07-01; 2020 was 不合格 (本溪 2022: the year does not count). Only the
    # 184 days served in 2020 are docked, so the service counts from 2021-01-01.
    f = worker(start=date(2020, 7, 1), uncounted_years=frozenset({2020}))
    g = grade(SANGANG, f, date(2024, 1, 1))
    assert (g.service_years, g.uncounted, g.counted_years, g.steps, g.grade) == (3, 1, 3, 1, 2)
    # Docking the whole year (the old rule) would have left 2 counted years and grade 1.
    assert g.step_date == date(2024, 1, 1)
    assert g.next_step_date == date(2027, 1, 1)


def test_a_failing_year_served_in_full_docks_a_year() -> None:
    f = worker(start=date(2014, 1, 1), uncounted_years=frozenset({2020}))
    assert service_years(f, date(2026, 1, 2)) == (12, 1, 11)
    # A failing year in progress on the as-of date docks what was served of it so far:
    # 3.5 years served, 181 days docked, 3 counted (the old rule: 2).
    f = worker(start=date(2020, 1, 1), uncounted_years=frozenset({2023}))
    assert service_years(f, date(2023, 7, 1)) == (3, 1, 3)


def test_concurrent_posts_grade_by_the_highest() -> None:
    # A deputy director who is also the Party secretary (交叉任职) is graded as 正职.
    f = worker(position="deputy_director", concurrent_positions=("party_secretary",))
    g = grade(SANGANG, f, date(2026, 3, 1))
    assert (g.category, g.band_min, g.grade) == ("principal", 7, 7 + 4)
    assert g.inputs(f)["concurrent_positions"] == ["party_secretary"]
    # A lower concurrent post changes nothing.
    f = worker(position="party_secretary", concurrent_positions=("committee_member",))
    assert grade(SANGANG, f, date(2026, 3, 1)).category == "principal"


def test_service_stops_counting_at_retirement() -> None:
    f = worker(start=date(2010, 3, 1), retirement_date=date(2022, 6, 1))
    g = grade(SANGANG, f, date(2026, 3, 1))
    assert (g.service_years, g.steps, g.retired, g.next_step_date) == (12, 4, True, None)
    assert "retirement_date" not in g.inputs(f)  # derived from the birth date: not shown
    before = grade(SANGANG, f, date(2022, 5, 31))
    assert (before.retired, before.service_years) == (False, 12)


def test_a_kept_grade_is_a_floor_within_the_band() -> None:
    # Moved from a prefecture whose ladder had graded the worker 9 (省内互认).
    f = worker(start=date(2023, 3, 1), grade_floor=9)
    g = grade(SANGANG, f, date(2026, 3, 1))
    assert (g.raw_grade, g.grade) == (2, 9)
    assert (
        grade(SANGANG, worker(start=date(2023, 3, 1), grade_floor=15), date(2026, 3, 1)).grade == 12
    )


def test_example_parts_mark_the_grade() -> None:
    assert grade(SANGANG, worker(), date(2026, 1, 1)).example is True
    published = ladder(jurisdiction="37", examples=[])
    assert grade(published, worker(), date(2026, 1, 1)).example is False
