"""Structure of the 12-digit statistical division code (统计用区划代码, 国统字〔2009〕91号).

  digits 1-2 province, 3-4 city, 5-6 county (together the GB/T 2260 code),
  7-9 township: 001-099 街道, 100-199 镇, 200-399 乡, 400-599 乡级类似单位,
  10-12 village level: 001-199 居民委员会 (社区), 200-399 村民委员会.

The registry holds urban communities (居委会/社区) only; village committees are refused.
"""

from __future__ import annotations

import re

from cwp_registry.communities.exceptions import InvalidDivisionCode

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
