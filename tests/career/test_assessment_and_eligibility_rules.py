"""Pure rules: the cap on the best result, the run of failing years, and eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cwp_career.assessments.rules import cap_breach, excellent_allowed, failing_run
from cwp_career.eligibility.rules import Candidate, evaluate
from cwp_career.ladders.schemas import Criterion
from cwp_career.ladders.templates import national_fallback

CAP = Decimal("0.20")
PUBLIC = national_fallback().eligibility["public-institution"]
MENTOR = national_fallback().eligibility["mentor"]


def test_excellent_share_is_rounded_down() -> None:
    assert [excellent_allowed(n, CAP) for n in (4, 5, 9, 10, 12)] == [0, 1, 1, 2, 2]
    assert excellent_allowed(3, Decimal("1")) == 3


def test_cap_breach() -> None:
    five = ["优秀", "合格", "合格", "合格", "基本合格"]
    assert cap_breach(five, "优秀", CAP) is None
    message = cap_breach(["优秀", *five], "优秀", CAP)
    assert message is not None
    assert "2 of 6" in message
    assert "allows 1" in message
    assert cap_breach(["优秀"] * 6, "优秀", None) is None
    assert cap_breach([], "优秀", CAP) is None


def test_failing_run_needs_consecutive_years() -> None:
    results = {2022: False, 2023: True, 2024: False, 2025: False}
    assert failing_run(results, 2025, 2) == [2024, 2025]
    assert failing_run(results, 2022, 2) == []
    assert failing_run(results, 2023, 2) == []  # a passing year is no run
    assert failing_run(results, 2025, 3) == []
    assert failing_run(results, 2025, None) == []
    assert failing_run({2024: False}, 2024, 1) == [2024]


def test_failing_run_ignores_the_order_of_confirmation() -> None:
    # 2025 confirmed first, then 2024: confirming 2024 finds the run through 2025.
    assert failing_run({2024: False, 2025: False}, 2024, 2) == [2024, 2025]
    assert failing_run({2023: False, 2024: False, 2025: False}, 2024, 2) == [2023, 2024, 2025]


def secretary(**changes: object) -> Candidate:
    base = {
        "position": "party_secretary",
        "position_since": date(2020, 3, 1),
        "community_since": date(2015, 3, 1),
        "education": "junior_college",
        "qualification": None,
        "skill_level": None,
        "counted_years": 11,
    }
    base.update(changes)
    return Candidate(**base)  # type: ignore[arg-type]


AS_OF = date(2026, 3, 1)


def test_public_institution_secretary_with_ten_years_and_a_full_term() -> None:
    assert evaluate(PUBLIC, secretary(), AS_OF, {}) == []


def test_public_institution_each_condition() -> None:
    unmet = evaluate(PUBLIC, secretary(position_since=date(2021, 3, 2)), AS_OF, {})
    assert unmet == ["4 years in the post < 5"]
    unmet = evaluate(PUBLIC, secretary(community_since=date(2016, 3, 2)), AS_OF, {})
    assert unmet == ["9 years in this community < 10"]
    unmet = evaluate(PUBLIC, secretary(position="committee_director"), AS_OF, {})
    assert unmet == [
        "position committee_director is not one of party_secretary",
        "0 years in the post < 5",  # no term as secretary at all
    ]


def test_education_qualification_and_assessment_conditions() -> None:
    member = secretary(position="full_time_worker", education="bachelor", counted_years=9)
    unmet = evaluate(MENTOR, member, AS_OF, {2024: "优秀", 2025: "优秀"})
    assert unmet == ["qualification below intermediate"]
    qualified = secretary(education="master", qualification="senior", counted_years=9)
    assert evaluate(MENTOR, qualified, AS_OF, {2024: "优秀", 2025: "优秀"}) == []
    assert evaluate(MENTOR, qualified, AS_OF, {2024: "优秀", 2025: "合格"}) == [
        "assessment 2025: 合格 is not 优秀"
    ]
    assert evaluate(MENTOR, qualified, AS_OF, {2025: "优秀"}) == [
        "assessment 2024: none is not 优秀"
    ]
    # Without results the assessment condition is not looked at (a cheap pre-filter).
    assert evaluate(MENTOR, qualified, AS_OF, None) == []
    low = secretary(education="junior_college", qualification="senior", counted_years=9)
    assert evaluate(MENTOR, low, AS_OF, {2024: "优秀", 2025: "优秀"}) == [
        "education below bachelor"
    ]


def test_criteria_are_data() -> None:
    custom = Criterion(title="技师", min_skill_level="level_2", min_service_years=3)
    assert evaluate(custom, secretary(skill_level="level_1"), AS_OF, {}) == []
    assert evaluate(custom, secretary(skill_level="level_3"), AS_OF, {}) == [
        "skill level below level_2"
    ]
    assert evaluate(custom, secretary(skill_level="level_1", counted_years=2), AS_OF, {}) == [
        "2 counted service years < 3"
    ]
