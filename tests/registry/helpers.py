"""Test data for the registry: resident ID numbers with a correct MOD 11-2 check
character (computed here independently of stdnum), and community codes."""

from __future__ import annotations

import itertools
from datetime import date

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, ...
CHECK = "10X98765432"

# 上海 黄浦区 / 徐汇区 and 广东 广州 荔湾区 / 天河区: street 002.., community 001..
SH_1 = "310101002001"
SH_2 = "310104003005"
GD_1 = "440103001001"
GD_2 = "440106010002"

_sequence = itertools.count(1)


def with_check(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return body17 + CHECK[total % 11]


def id_number(area: str = "310101", birth: date = date(1990, 1, 1), seq: int | None = None) -> str:
    """A valid 18-character number; each call without `seq` gives a new person."""
    n = next(_sequence) if seq is None else seq
    return with_check(f"{area}{birth:%Y%m%d}{n % 1000:03d}")


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")
