"""Pure worker rules: resident ID numbers (GB 11643-1999), masking, ages, date order and
service-year carry-over. No I/O; "today" is passed in so the rules are deterministic."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric

from cwp_common.events.contracts import (
    CONTRACT_EMPLOYMENT_TYPES,
    ELECTED_COMMITTEE_POSITIONS,
    PARTY_POSITIONS,
)
from cwp_registry.communities.rules import same_province
from cwp_registry.workers.exceptions import (
    BelowPostMinimumAge,
    DateInFuture,
    DateTooEarly,
    EmploymentTypeMismatch,
    ExitReasonNotApplicable,
    InvalidConcurrentPosts,
    InvalidIdNumber,
    RetirementAgeReached,
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


@functools.lru_cache(maxsize=8192)  # a few thousand counties; a bulk import asks often
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
    # stdnum's compact maps Unicode look-alikes (full-width digits) one character at a
    # time; an ASCII number (nearly every one) needs only the strip and upper-case.
    number = raw.strip().upper() if raw.isascii() and "`" not in raw else ric.compact(raw)
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
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
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


def recognised_in_province(from_code: str, to_code: str) -> bool:
    """Service years and grades are mutually recognised within a province (省内互认,
    2024 Opinion, REFERENCE §1). The registry keeps the service start date on every move:
    how a move from another province counts is the receiving province's ladder rule
    (carry years, re-grade or reset), applied by the career service."""
    return same_province(from_code, to_code)


# --- posts and ages ---------------------------------------------------------------------

ELECTED_MINIMUM_AGE = 18  # 居民委员会组织法: residents aged 18+ elect and are elected


@dataclass(frozen=True, slots=True)
class Post:
    position: str
    since: date


def check_concurrent_posts(main: str, posts: list[Post], today: date) -> None:
    """A concurrent post (书记兼主任, 交叉任职) is another position, listed once, begun."""
    seen = {main}
    for post in posts:
        if post.position in seen:
            raise InvalidConcurrentPosts("repeated")
        seen.add(post.position)
        if post.since > today:
            raise InvalidConcurrentPosts("future")


def check_post_ages(birth: date, posts: list[Post]) -> None:
    """Elected committee members are at least 18 on the day their post begins. The
    error names the rule only (an age would reveal the birth date)."""
    for i, post in enumerate(posts):
        elected = post.position in ELECTED_COMMITTEE_POSITIONS
        if elected and age_on(birth, post.since) < ELECTED_MINIMUM_AGE:
            raise BelowPostMinimumAge("position_since" if i == 0 else "concurrent_posts")


def check_not_retired(field: str, retirement: date, day: date) -> None:
    """A current worker is below the statutory retirement age (registration)."""
    if retirement <= day:
        raise RetirementAgeReached(field)


# Exit reasons that only some categories of worker can have (分类完善退出机制).
EXIT_REASON_NEEDS: dict[str, tuple[str, str]] = {
    "recalled": ("elected", "elected residents' committee members"),
    "not_reelected": ("elected", "elected residents' committee members"),
    "party_removal": ("party", "holders of a Party post"),
    "contract_end": ("contract", "workers on a labour contract"),
}


def worker_categories(positions: list[str], employment_type: str) -> set[str]:
    """elected, party and contract: each brings its own ways out."""
    kinds = set()
    if any(p in ELECTED_COMMITTEE_POSITIONS for p in positions):
        kinds.add("elected")
    if any(p in PARTY_POSITIONS for p in positions):
        kinds.add("party")
    if employment_type in CONTRACT_EMPLOYMENT_TYPES:
        kinds.add("contract")
    return kinds


def check_exit_reason(reason: str, positions: list[str], employment_type: str) -> None:
    needs = EXIT_REASON_NEEDS.get(reason)
    if needs is not None and needs[0] not in worker_categories(positions, employment_type):
        raise ExitReasonNotApplicable(reason, needs[1])


def check_employment_type(employment_type: str, positions: list[str]) -> None:
    """Who is a community worker (the Opinion's 人员范围): one without a labour contract or
    a staff status serves by holding an elected or Party post, and must hold one."""
    if employment_type == "elected" and not ELECTED_COMMITTEE_POSITIONS & set(positions):
        raise EmploymentTypeMismatch("elected")
    if employment_type == "party_organisation" and not PARTY_POSITIONS & set(positions):
        raise EmploymentTypeMismatch("party_organisation")
