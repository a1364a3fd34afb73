"""Pure worker rules: resident ID numbers (GB 11643-1999), masking, ages, date order and
service-year carry-over. No I/O; "today" is passed in so the rules are deterministic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from cwp_registry.communities.rules import same_province
from cwp_registry.workers.exceptions import (
    DateInFuture,
    DateTooEarly,
    InvalidIdNumber,
    UnderMinimumAge,
)

MINIMUM_WORKING_AGE = 16  # 劳动法 Art. 15
_BODY = re.compile(r"[0-9]{17}[0-9X]")
# Taiwan residents' residence permits (2018) use 830000, absent from stdnum's code list.
_EXTRA_ADDRESS_CODES = frozenset({"830000"})

Sex = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str  # normalised: 18 characters, check character upper-case
    birth_date: date
    sex: Sex


def _known_address(code: str) -> bool:
    """Known to the historical code list at any time. stdnum's own check also wants the
    county to exist in the birth year, which refuses real numbers: the code is that of
    the first registration (from 1984 on), not of the birth (REFERENCE §6.2)."""
    if code in _EXTRA_ADDRESS_CODES:
        return True
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def parse_id_number(raw: str, today: date) -> ResidentId:
    """The number, normalised, with its birth date and sex. Errors say which check failed
    and never quote the number: clients log and store problem bodies."""
    number = ric.compact(raw)
    if len(number) != 18:
        legacy = " (15-digit legacy numbers must be converted)" if len(number) == 15 else ""
        raise InvalidIdNumber(
            "length",
            f"A resident ID number has 18 characters, this one has {len(number)}{legacy} "
            "/ 身份证号应为18位",
        )
    if not _BODY.fullmatch(number):
        raise InvalidIdNumber(
            "format",
            "A resident ID number is 17 digits and a check character 0-9 or X "
            "/ 身份证号应为17位数字加校验码",
        )
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidIdNumber(
            "check-character",
            "The check character (last character) does not match the other 17 digits; "
            "please re-check the number / 身份证号校验码错误",
        )
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise InvalidIdNumber(
            "date",
            "Digits 7-14 (the birth date) are not a real calendar date / 出生日期不存在",
        ) from None
    if birth > today:
        raise InvalidIdNumber("future-date", "The birth date lies in the future / 出生日期晚于今天")
    if not _known_address(number[:6]):
        raise InvalidIdNumber(
            "address-code",
            "The address code (digits 1-6) is not a known division code / 地址码不存在",
        )
    return ResidentId(number, birth, "male" if int(number[16]) % 2 else "female")


def mask_id_number(number: str) -> str:
    """First 6 (address) and last 4 characters; the birth date stays hidden."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """First 3 (the carrier) and last 4 digits, as on a delivery slip: 139****5678."""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_not_future(field: str, value: date, today: date) -> None:
    if value > today:
        raise DateInFuture(field)


def check_not_before(field: str, value: date, earliest: date, what: str) -> None:
    if value < earliest:
        raise DateTooEarly(field, earliest.isoformat(), what)


def check_working_age(field: str, birth: date, day: date) -> None:
    if age_on(birth, day) < MINIMUM_WORKING_AGE:
        raise UnderMinimumAge(field, MINIMUM_WORKING_AGE)


def check_hire(birth: date, hire_date: date, today: date) -> None:
    check_not_future("hire_date", hire_date, today)
    check_working_age("hire_date", birth, hire_date)


def check_service_start(birth: date, start: date, today: date) -> None:
    """May be before hire_date (earlier community work counts) and, after a move to
    another province, after it; never in the future nor before working age."""
    check_not_future("service_start_date", start, today)
    check_working_age("service_start_date", birth, start)


def service_start_after_transfer(
    from_code: str, to_code: str, service_start: date, effective: date
) -> tuple[date, bool]:
    """Service years are recognised within a province (省内互认, 2024 Opinion): keep the
    start date there; elsewhere counting restarts on the effective date."""
    if same_province(from_code, to_code):
        return service_start, True
    return effective, False
