"""Labour-contract rules with worked examples: terms, probation limits (劳动合同法
Art. 19), the open-ended contract (Art. 14), the written-contract deadline (Art. 10)."""

from __future__ import annotations

from datetime import date

import pytest

from cwp_common.problems import ProblemError
from cwp_registry.contracts import rules

LAW = rules.law_for("310101002", date(2025, 1, 1))
HIRED = date(2020, 3, 1)
TODAY = date(2026, 6, 1)


def terms(
    kind: str = "fixed_term",
    start: str = "2025-01-01",
    end: str | None = "2027-12-31",
    probation: int = 0,
    signed: str = "2025-01-01",
) -> rules.Terms:
    return rules.Terms(
        kind,  # type: ignore[arg-type]
        date.fromisoformat(start),
        date.fromisoformat(end) if end else None,
        probation,
        date.fromisoformat(signed),
    )


def slug_and_code(exc: pytest.ExceptionInfo[ProblemError]) -> tuple[str, str | None]:
    return exc.value.slug, exc.value.errors[0].get("code") if exc.value.errors else None


def test_the_law_comes_from_dated_data_with_its_source() -> None:
    assert LAW.effective_date == date(2008, 1, 1)
    assert LAW.jurisdiction == ""
    # Before the law's date the earliest version still answers (nothing older is known).
    assert rules.law_for("31", date(2005, 1, 1)) == LAW


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2025-01-01", "2025-12-31", 12),  # one year, end day included
        ("2025-01-01", "2025-12-30", 11),
        # 31 Jan + 3 months is 30 Apr (no 31st): the term ends the day before.
        ("2025-01-31", "2025-04-28", 2),
        ("2025-01-31", "2025-04-29", 3),
        ("2025-03-01", "2025-05-31", 3),
        ("2025-01-01", "2027-12-31", 36),
        ("2025-01-01", "2025-01-01", 0),
    ],
)
def test_term_in_completed_months(start: str, end: str, months: int) -> None:
    assert rules.term_months(date.fromisoformat(start), date.fromisoformat(end)) == months


@pytest.mark.parametrize(
    ("kind", "months", "limit"),
    [
        ("fixed_term", 2, 0),  # under three months: no probation
        ("fixed_term", 3, 1),  # three months and more: at most one month
        ("fixed_term", 11, 1),
        ("fixed_term", 12, 2),  # one year (以上 includes it): two months
        ("fixed_term", 35, 2),
        ("fixed_term", 36, 6),  # three years: six months
        ("fixed_term", 120, 6),
        ("open_ended", None, 6),
    ],
)
def test_probation_limits_of_article_19(kind: str, months: int | None, limit: int) -> None:
    assert rules.max_probation(LAW, kind, months) == limit  # type: ignore[arg-type]


def test_probation_end_is_the_day_before_the_monthly_anniversary() -> None:
    assert rules.probation_end(date(2025, 1, 15), 3) == date(2025, 4, 14)
    assert rules.probation_end(date(2025, 11, 30), 3) == date(2026, 2, 27)  # 28 Feb exclusive
    assert rules.probation_end(date(2025, 1, 1), 0) is None


def test_a_valid_three_year_contract_with_six_months_probation_passes() -> None:
    rules.check_terms(LAW, terms(probation=6), HIRED, TODAY, probation_used=False)


@pytest.mark.parametrize(
    ("t", "slug", "code"),
    [
        (terms(end=None), "invalid-contract-dates", "end-required"),
        (terms(kind="open_ended"), "invalid-contract-dates", "end-not-allowed"),
        (terms(end="2024-12-31"), "invalid-contract-dates", "end-before-start"),
        (
            terms(start="2019-01-01", signed="2019-01-01"),
            "invalid-contract-dates",
            "start-before-hire",
        ),
        (terms(signed="2026-06-02"), "invalid-contract-dates", "signed-in-future"),
        (
            terms(end="2025-06-30", signed="2025-07-01"),
            "invalid-contract-dates",
            "signed-after-end",
        ),
        (terms(end="2025-12-31", probation=3), "probation-too-long", None),
        (terms(end="2025-02-28", probation=1), "probation-too-long", None),  # 2 months: none
        (terms(kind="open_ended", end=None, probation=7), "probation-too-long", None),
    ],
)
def test_impossible_or_unlawful_terms_are_refused(
    t: rules.Terms, slug: str, code: str | None
) -> None:
    with pytest.raises(ProblemError) as exc:
        rules.check_terms(LAW, t, HIRED, TODAY, probation_used=False)
    assert slug_and_code(exc) == (slug, code)


def test_only_one_probation_per_employer() -> None:
    with pytest.raises(ProblemError) as exc:
        rules.check_terms(LAW, terms(probation=1), HIRED, TODAY, probation_used=True)
    assert exc.value.slug == "probation-already-used"
    rules.check_terms(LAW, terms(probation=0), HIRED, TODAY, probation_used=True)


def test_a_probation_longer_than_a_short_contract_is_refused() -> None:
    # Three months exactly allows one month: it fits. The rule is on the band, then on
    # the dates, so a band of the data that allowed more would still be caught here.
    rules.check_terms(LAW, terms(end="2025-03-31", probation=1), HIRED, TODAY, probation_used=False)


def past(kind: str, start: str, end: str | None) -> rules.Past:
    return rules.Past(kind, date.fromisoformat(start), date.fromisoformat(end) if end else None)


def test_two_consecutive_fixed_terms_require_an_open_ended_third() -> None:
    chain = [
        past("fixed_term", "2019-01-01", "2021-12-31"),
        past("fixed_term", "2022-01-01", "2024-12-31"),
    ]
    ent = rules.entitlement(LAW, chain, date(2025, 1, 1))
    assert ent.open_ended_required
    assert ent.reasons == ("consecutive_fixed_terms",)
    assert ent.consecutive_fixed_terms == 2
    assert ent.continuous_service_since == date(2019, 1, 1)
    with pytest.raises(ProblemError) as exc:
        rules.check_renewal_kind(ent, "fixed_term", worker_asked_fixed=False)
    assert exc.value.slug == "open-ended-required"
    rules.check_renewal_kind(ent, "fixed_term", worker_asked_fixed=True)  # the worker's choice
    rules.check_renewal_kind(ent, "open_ended", worker_asked_fixed=False)


def test_one_fixed_term_does_not_yet_require_it() -> None:
    ent = rules.entitlement(LAW, [past("fixed_term", "2022-01-01", "2024-12-31")], date(2025, 1, 1))
    assert not ent.open_ended_required
    rules.check_renewal_kind(ent, "fixed_term", worker_asked_fixed=False)


def test_fixed_terms_before_the_law_do_not_count_but_ten_years_do() -> None:
    chain = [
        past("fixed_term", "2004-01-01", "2007-12-31"),
        past("fixed_term", "2008-01-01", "2013-12-31"),
    ]
    ent = rules.entitlement(LAW, chain, date(2014, 1, 1))
    assert ent.consecutive_fixed_terms == 1
    assert ent.reasons == ("ten_years_service",)  # 2004-01-01 to 2013-12-31: ten years
    just_under = rules.entitlement(LAW, chain[:1], date(2013, 12, 30))
    assert not just_under.open_ended_required


def test_renewal_starts_the_day_after() -> None:
    rules.check_renewal_start(date(2024, 12, 31), date(2025, 1, 1))
    with pytest.raises(ProblemError) as exc:
        rules.check_renewal_start(date(2024, 12, 31), date(2025, 1, 2))
    assert slug_and_code(exc) == ("invalid-contract-dates", "renewal-not-continuous")


def test_signed_late_after_one_month() -> None:
    assert not rules.signed_late(LAW, date(2025, 1, 31), date(2025, 2, 28))
    assert rules.signed_late(LAW, date(2025, 1, 31), date(2025, 3, 1))


def test_ending_inside_the_term_only() -> None:
    rules.check_ending(date(2025, 1, 1), date(2025, 12, 31), date(2025, 12, 31))
    for day in (date(2024, 12, 31), date(2026, 1, 1)):
        with pytest.raises(ProblemError):
            rules.check_ending(date(2025, 1, 1), date(2025, 12, 31), day)


def test_employer_is_the_street_or_the_town() -> None:
    assert rules.employer_kind("310101002001") == "street"
    assert rules.employer_kind("310101100001") == "township"


def test_only_contract_staff_sign() -> None:
    rules.check_contract_applies("labour_contract")
    for kind in ("civil_servant", "public_institution", "elected", "party_organisation"):
        with pytest.raises(ProblemError) as exc:
            rules.check_contract_applies(kind)
        assert exc.value.slug == "contract-not-applicable"


def test_expiring_window() -> None:
    today = date(2025, 6, 1)
    assert rules.expiring(date(2025, 7, 1), today, 30)
    assert not rules.expiring(date(2025, 7, 2), today, 30)
    assert not rules.expiring(date(2025, 5, 31), today, 30)
    assert not rules.expiring(None, today, 30)
