"""Pure worker rules: ID numbers (one distinct error per mistake), masking, ages, dates
and service-year carry-over."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from faker import Faker

from cwp_registry.workers import rules
from cwp_registry.workers.exceptions import (
    DateInFuture,
    DateTooEarly,
    InvalidIdNumber,
    UnderMinimumAge,
)
from tests.registry.helpers import id_number, wrong_check
from tests.support.ids import with_check

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female"),
        ("440524188001010014", date(1880, 1, 1), "male"),  # a code later withdrawn
        ("360426199101010071", date(1991, 1, 1), "male"),
        ("110101199003074477", date(1990, 3, 7), "male"),
    ],
)
def test_reference_vectors(number: str, birth: date, sex: str) -> None:
    rid = rules.parse_id_number(number, TODAY)
    assert (rid.number, rid.birth_date, rid.sex) == (number, birth, sex)


def test_helper_check_character_matches_reference() -> None:
    assert with_check("11010519491231002") == "11010519491231002X"
    assert with_check("11010119900307447") == "110101199003074477"


def test_lowercase_x_and_surrounding_space_are_normalised() -> None:
    assert rules.parse_id_number(" 11010519491231002x ", TODAY).number == "11010519491231002X"


def test_taiwan_residence_permit_code_is_accepted() -> None:
    assert rules.parse_id_number(with_check("83000019900101002"), TODAY).sex == "female"


def test_faker_numbers_parse_with_their_birth_date_and_sex() -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(2024)
    for _ in range(200):
        number = fake.ssn()
        rid = rules.parse_id_number(number, TODAY)
        assert rid.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert rid.sex == ("male" if int(number[16]) % 2 else "female")


def _reason(number: str) -> tuple[str, str]:
    with pytest.raises(InvalidIdNumber) as caught:
        rules.parse_id_number(number, TODAY)
    err = caught.value
    assert (err.status, err.slug) == (422, "invalid-id-number")
    assert err.errors[0]["field"] == "id_number"
    if number:
        assert number.strip() not in (err.detail or ""), "never echo the number"
    return str(err.errors[0]["code"]), err.detail or ""


@pytest.mark.parametrize(
    ("number", "reason", "words"),
    [
        ("11010519491231002", "length", "18 characters, this one has 17"),
        ("11010519491231002X1", "length", "this one has 19"),
        ("110105491231002", "length", "15-digit legacy"),
        ("", "length", "has 0"),
        ("11010519491231002A", "format", "check character 0-9 or X"),
        ("1101051949123100XX", "format", "17 digits"),
        ("11010519491231002Y", "format", "17 digits"),
        (wrong_check("11010519491231002X"), "check-character", "check character"),
        ("110105194912310021", "check-character", "does not match"),
        (with_check("11010519990231001"), "date", "not a real calendar date"),
        (with_check("11010520230229001"), "date", "not a real calendar date"),
        (with_check("11010519901301001"), "date", "not a real calendar date"),
        (with_check("11010520261129001"), "future-date", "future"),
        (with_check("99999919900101001"), "address-code", "address code"),
        (with_check("31019919900101001"), "address-code", "not a known"),
    ],
)
def test_each_mistake_has_its_own_code_and_message(number: str, reason: str, words: str) -> None:
    got_reason, detail = _reason(number)
    assert got_reason == reason
    assert words in detail
    # The caller's own input, but clients log problem bodies: no digits of it come back.
    if len(number) == 18:
        for part in (number[:6], number[6:14], number[6:10], number[10:14]):
            assert part not in detail


def test_messages_differ_between_kinds() -> None:
    samples = [
        "11010519491231002",
        "11010519491231002A",
        wrong_check("11010519491231002X"),
        with_check("11010519990231001"),
        with_check("11010520261129001"),
        with_check("99999919900101001"),
    ]
    assert len({_reason(n) for n in samples}) == len(samples)


def test_born_today_is_not_future() -> None:
    assert rules.parse_id_number(with_check("11010520261128001"), TODAY).birth_date == TODAY


def test_mask_keeps_first_six_and_last_four() -> None:
    assert rules.mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2000, 5, 10), date(2016, 5, 9), 15),
        (date(2000, 5, 10), date(2016, 5, 10), 16),
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(1949, 12, 31), date(2026, 11, 28), 76),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert rules.age_on(birth, day) == age


def test_hire_needs_the_minimum_working_age() -> None:
    birth = date(2008, 6, 1)
    rules.check_hire(birth, date(2024, 6, 1), TODAY)
    with pytest.raises(UnderMinimumAge) as caught:
        rules.check_hire(birth, date(2024, 5, 31), TODAY)
    assert caught.value.slug == "under-minimum-age"
    assert caught.value.errors[0]["field"] == "hire_date"
    detail = caught.value.detail or ""
    assert "minimum working age of 16" in detail
    # No age and no date derived from the birth date (the rule's own date, 2024-06-01).
    assert "15" not in detail
    assert "2024" not in detail
    assert "2008" not in detail


def test_hire_date_cannot_be_in_the_future() -> None:
    with pytest.raises(DateInFuture):
        rules.check_hire(date(1990, 1, 1), TODAY + timedelta(days=1), TODAY)
    rules.check_hire(date(1990, 1, 1), TODAY, TODAY)


def test_service_start_may_precede_hire_but_not_working_age_nor_today() -> None:
    birth = date(1990, 1, 1)
    rules.check_service_start(birth, date(2006, 1, 1), TODAY)
    with pytest.raises(UnderMinimumAge) as under:
        rules.check_service_start(birth, date(2005, 12, 31), TODAY)
    assert under.value.errors[0]["field"] == "service_start_date"
    with pytest.raises(DateInFuture) as future:
        rules.check_service_start(birth, TODAY + timedelta(days=1), TODAY)
    assert future.value.errors[0]["field"] == "service_start_date"


def test_not_before() -> None:
    rules.check_not_before("exit_date", date(2020, 1, 1), date(2020, 1, 1), "hire_date")
    with pytest.raises(DateTooEarly) as caught:
        rules.check_not_before("exit_date", date(2019, 12, 31), date(2020, 1, 1), "hire_date")
    assert caught.value.slug == "date-too-early"
    assert "2020-01-01" in (caught.value.detail or "")


def test_service_years_are_recognised_within_a_province() -> None:
    assert rules.recognised_in_province("310101002001", "310115125001") is True
    assert rules.recognised_in_province("310101002001", "440103001001") is False


def test_generated_numbers_are_distinct_and_valid() -> None:
    numbers = {id_number() for _ in range(50)}
    assert len(numbers) == 50
    for n in numbers:
        rules.parse_id_number(n, TODAY)
