"""The 12-digit statistical division code: structure rules, each failure named."""

from __future__ import annotations

import pytest

from cwp_registry.communities.exceptions import InvalidDivisionCode
from cwp_registry.communities.rules import same_province, validate_community_code


@pytest.mark.parametrize(
    "code",
    [
        "110101001001",  # 北京 东城区, a 街道, its first 社区
        "310115125199",  # 上海 浦东新区, a 镇, the last 居委会 number
        "441900003001",  # 东莞: no county level (00) below the city
        "650102599001",  # 乡级类似单位 (development zone) 599
        "820001001001",  # 澳门: districts sit directly under the region (city 00)
        "710000001001",
    ],
)
def test_accepts_community_codes(code: str) -> None:
    assert validate_community_code(code) == code


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        ("31010100200", "length", "12 digits"),
        ("3101010020011", "length", "12 digits"),
        ("31010100200a", "length", "12 digits"),
        ("３１０１０１００２００１", "length", "12 digits"),  # full-width digits
        ("٣١٠١٠١٠٠٢٠٠١", "length", "12 digits"),  # Arabic-Indic digits pass str.isdigit()
        ("", "length", "12 digits"),
        ("991010002001", "province", "Province code 99"),
        ("101010002001", "province", "Province code 10"),
        ("380101002001", "province", "Province code 38"),
        ("310101000001", "township", "001-599"),
        ("310101600001", "township", "001-599"),
        ("310101002200", "village-committee", "village committees"),
        ("310101002399", "village-committee", "village committees"),
        ("310101002000", "community", "001-199"),
        ("310101002400", "community", "001-199"),
        ("310101002999", "community", "001-199"),
    ],
)
def test_refuses_each_broken_rule_by_name(code: str, reason: str, words: str) -> None:
    with pytest.raises(InvalidDivisionCode) as caught:
        validate_community_code(code, field="to_community_code")
    err = caught.value
    assert err.status == 422
    assert err.slug == "invalid-division-code"
    assert words in (err.detail or "")
    assert err.errors == [{"field": "to_community_code", "message": err.detail, "code": reason}]


def test_village_committee_message_is_explicit() -> None:
    with pytest.raises(InvalidDivisionCode) as caught:
        validate_community_code("220581102200")
    assert "村民委员会" in (caught.value.detail or "")


def test_same_province_compares_the_first_two_digits() -> None:
    assert same_province("310101002001", "310115125001")
    assert not same_province("310101002001", "320101002001")
