"""Test data for the registry: resident ID numbers (check character from
tests/support/ids.py) and community codes."""

from __future__ import annotations

import itertools
from datetime import date

from tests.support.ids import resident_id

# 上海 黄浦区 / 徐汇区 and 广东 广州 荔湾区 / 天河区: street 002.., community 001..
SH_1 = "310101002001"
SH_2 = "310104003005"
GD_1 = "440103001001"
GD_2 = "440106010002"

_sequence = itertools.count(1)


def id_number(area: str = "310101", birth: date = date(1990, 1, 1), seq: int | None = None) -> str:
    """A valid 18-character number; each call without `seq` gives a new person."""
    n = next(_sequence) if seq is None else seq
    return resident_id(area, birth, n)


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")
