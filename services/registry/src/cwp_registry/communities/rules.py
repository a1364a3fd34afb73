"""Structure of the 12-digit statistical division code (统计用区划代码, 国统字〔2009〕91号).

  digits 1-2 province, 3-4 city, 5-6 county (together the GB/T 2260 code),
  7-9 township: 001-099 街道, 100-199 镇, 200-399 乡, 400-599 乡级类似单位,
  10-12 village level: 001-199 居民委员会 (社区), 200-399 村民委员会.

The registry holds urban communities (居委会/社区) only; village committees are refused.
"""

from __future__ import annotations

import re
from datetime import date

from cwp_registry.communities.exceptions import (
    CommunityWithdrawn,
    InvalidDivisionCode,
    ValidityOverlap,
)

PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65", "71", "81", "82"}
)
URBAN_RURAL_CODES = ("111", "112", "121", "122", "123", "210", "220")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() accepts "١٢" and "①"


def validate_community_code(code: str, field: str = "code") -> str:
    """Return the code when it can be a community (居委会) code, else raise a 422."""

    def fail(reason: str, detail: str) -> InvalidDivisionCode:
        return InvalidDivisionCode(field, reason, detail)

    if len(code) != 12 or not _DIGITS.fullmatch(code):
        raise fail("length", "A division code has exactly 12 digits / 区划代码应为12位数字")
    if code[:2] not in PROVINCES:
        raise fail("province", f"Province code {code[:2]} does not exist / 省级代码不存在")
    if not 1 <= int(code[6:9]) <= 599:
        raise fail(
            "township", "Township segment (digits 7-9) must be 001-599 / 乡级代码应为001-599"
        )
    village = int(code[9:12])
    if 200 <= village <= 399:
        raise fail(
            "village-committee",
            "Codes 200-399 in digits 10-12 are village committees (村民委员会), "
            "not communities / 村民委员会不属于社区",
        )
    if not 1 <= village <= 199:
        raise fail(
            "community",
            "Community segment (digits 10-12) must be 001-199 (居民委员会/社区) / 社区代码应为001-199",
        )
    return code


def same_province(a: str, b: str) -> bool:
    return a[:2] == b[:2]


# --- validity (codes are withdrawn and reused, REFERENCE §6.1) ----------------------------


def in_use_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    """Whether the code's holder is in use on `day` (None bounds are open)."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValidityOverlap("valid_to cannot be before valid_from / 撤销日期早于启用日期")


def check_reuse(previous_valid_to: date, valid_from: date | None) -> None:
    """A reused code's new community begins after the withdrawn one's last day."""
    if valid_from is None:
        raise ValidityOverlap(
            "This code was withdrawn: a community reusing it must give valid_from "
            "/ 复用已撤销代码须填写启用日期"
        )
    if valid_from <= previous_valid_to:
        raise ValidityOverlap(
            "valid_from must be after the day the code's previous community was withdrawn "
            "/ 启用日期须晚于原社区撤销日期"
        )


def check_open(code: str, valid_to: date | None, field: str, *days: date) -> None:
    """A withdrawn community takes no worker on any day after its last."""
    if valid_to is not None and any(day > valid_to for day in days):
        raise CommunityWithdrawn(field, code)
