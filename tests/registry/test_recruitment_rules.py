"""Recruitment rules with worked examples: the selection conditions, the state machine,
the combined score and ranking, and the working-day calendar of a publicity period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cwp_common.problems import ProblemError
from cwp_registry.recruitment import calendar, rules

CONDITIONS = {
    "age_min": 18,
    "age_max": 35,
    "education_min": "junior_college",
    "residence_prefixes": ["3101"],
    "political_statuses": ["cpc_member", "cpc_probationary"],
    "experience_years_min": 2,
}
ON = date(2026, 6, 30)


def applicant(**kw: object) -> rules.Applicant:
    base: dict[str, object] = {
        "birth_date": date(1996, 7, 1),  # 29 on ON
        "education": "bachelor",
        "political_status": "cpc_member",
        "residence_code": "310101002",
        "experience_years": 3,
    }
    return rules.Applicant(**(base | kw))  # type: ignore[arg-type]


def met(a: rules.Applicant) -> dict[str, bool | None]:
    return {c.condition: c.met for c in rules.evaluate(CONDITIONS, a, ON)}


def test_an_applicant_meeting_every_condition_is_qualified_by_the_data() -> None:
    checks = rules.evaluate(CONDITIONS, applicant(), ON)
    assert [c.condition for c in checks] == [
        "age",
        "education",
        "residence",
        "political_status",
        "experience",
    ]
    assert rules.automatic_outcome(checks) == "qualified"


@pytest.mark.parametrize(
    ("change", "condition"),
    [
        ({"birth_date": date(1990, 6, 30)}, "age"),  # 36 on ON
        ({"birth_date": date(2008, 7, 1)}, "age"),  # 17 on ON
        ({"education": "below_junior_college"}, "education"),
        ({"residence_code": "440103001"}, "residence"),
        ({"political_status": "masses"}, "political_status"),
        ({"experience_years": 1}, "experience"),
    ],
)
def test_each_unmet_condition_disqualifies(change: dict[str, object], condition: str) -> None:
    a = applicant(**change)
    assert met(a)[condition] is False
    assert rules.automatic_outcome(rules.evaluate(CONDITIONS, a, ON)) == "disqualified"


def test_age_limits_include_both_ends() -> None:
    assert met(applicant(birth_date=date(1990, 7, 1)))["age"] is True  # 36th birthday tomorrow
    assert met(applicant(birth_date=date(2008, 6, 30)))["age"] is True  # 18 today


def test_missing_data_leaves_the_review_to_a_person() -> None:
    a = applicant(residence_code=None, experience_years=None)
    assert met(a)["residence"] is None
    assert rules.automatic_outcome(rules.evaluate(CONDITIONS, a, ON)) is None
    # An unmet condition still decides, missing data or not.
    b = applicant(residence_code=None, education="below_junior_college")
    assert rules.automatic_outcome(rules.evaluate(CONDITIONS, b, ON)) == "disqualified"


def test_no_condition_means_qualified_and_post_conditions_override() -> None:
    assert rules.automatic_outcome(rules.evaluate({}, applicant(), ON)) == "qualified"
    merged = rules.merged({"age_max": 35, "education_min": "bachelor"}, {"age_max": 45})
    assert merged == {"age_max": 45, "education_min": "bachelor"}


def test_the_state_machine_refuses_steps_out_of_order() -> None:
    rules.check_transition("written_exam", "qualified")
    for step, state in [
        ("written_exam", "applied"),
        ("interview", "qualified"),
        ("hiring", "in_publicity"),
        ("publicity", "shortlisted"),
        ("withdrawal", "hired"),
        ("qualification_review", "qualified"),
        ("replacement", "shortlisted"),
        ("replacement", "rejected"),
    ]:
        with pytest.raises(ProblemError) as exc:
            rules.check_transition(step, state)
        assert (exc.value.status, exc.value.slug) == (409, "invalid-transition")
    # No step leaves a final state.
    for state in rules.FINAL:
        assert all(state not in allowed for allowed in rules.ALLOWED_FROM.values())


def test_combined_score_rounds_half_up() -> None:
    assert rules.total_score(Decimal("80.00"), Decimal("90.00"), 50) == Decimal("85.00")
    assert rules.total_score(Decimal("80.25"), Decimal("90.00"), 40) == Decimal("86.10")
    assert rules.total_score(Decimal("80.01"), Decimal("90.00"), 50) == Decimal("85.01")  # 85.005
    assert rules.total_score(Decimal("70.00"), Decimal("0"), 100) == Decimal("70.00")


def test_ranking_by_total_then_written_then_who_applied_first() -> None:
    scored = [
        rules.Scored("a", Decimal("80"), Decimal("90")),  # 85
        rules.Scored("b", Decimal("90"), Decimal("80")),  # 85, better written
        rules.Scored("c", Decimal("70"), Decimal("70")),  # 70
        rules.Scored("d", Decimal("90"), Decimal("80")),  # 85, same as b, applied later
    ]
    order = rules.rank(scored, 50, quota=2)
    assert [(r.key, r.rank, r.shortlisted) for r in order] == [
        ("b", 1, True),
        ("d", 2, True),
        ("a", 3, False),
        ("c", 4, False),
    ]
    assert all(not r.shortlisted for r in rules.rank(scored, 50, quota=0))


CAL = calendar.calendar()


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2025, 3, 3), 5, date(2025, 3, 7)),  # Monday to Friday
        (date(2025, 3, 6), 5, date(2025, 3, 12)),  # over a weekend
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # starts on a Saturday
        # National Day: 1-8 Oct off, Saturday 11 Oct worked.
        (date(2025, 9, 29), 5, date(2025, 10, 11)),
        (date(2025, 9, 26), 3, date(2025, 9, 29)),  # Sunday 28 Sep is worked
        (date(2025, 1, 24), 3, date(2025, 1, 27)),  # Sunday 26 Jan is worked
    ],
)
def test_publicity_lasts_working_days(start: date, days: int, end: date) -> None:
    assert calendar.last_working_day(start, days, CAL) == end


def test_the_calendar_says_which_years_it_knows() -> None:
    assert CAL.knows(date(2025, 5, 1))
    assert not CAL.knows(date(2031, 5, 1))
    assert calendar.last_working_day(date(2031, 5, 1), 1, CAL) == date(2031, 5, 1)  # a Thursday
