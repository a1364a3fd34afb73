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

# Sequences 000-499 are the tests' to fix (`seq=`), 500-999 the counter's: a test that
# fixes a number and also draws some cannot be handed the same person twice.
FIXED_SEQUENCES = range(500)
_drawn = itertools.count(0)


def id_number(area: str = "310101", birth: date = date(1990, 1, 1), seq: int | None = None) -> str:
    """A valid 18-character number; each call without `seq` gives a new person."""
    if seq is None:
        seq = 500 + next(_drawn) % 500
    elif seq not in FIXED_SEQUENCES:
        raise ValueError(f"a fixed sequence is below 500, got {seq}")
    return resident_id(area, birth, seq)


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")
