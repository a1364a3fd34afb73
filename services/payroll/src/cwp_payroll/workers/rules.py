"""Pure rules of the worker projection."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

# Social-work qualification levels, lowest first (payroll's own ranking).
QUALIFICATION_RANK = {"assistant": 1, "intermediate": 2, "senior": 3}


def highest(levels: Iterable[tuple[str, date]]) -> tuple[str, date] | None:
    """The highest level held and when it was obtained."""
    ranked = sorted(levels, key=lambda lv: (QUALIFICATION_RANK.get(lv[0], 0), lv[1]))
    return ranked[-1] if ranked else None


def coefficient_text(e4: int) -> str:
    """Ten-thousandths as the ladder writes the coefficient: 12500 -> "1.2500"."""
    return f"{e4 // 10_000}.{e4 % 10_000:04d}"


def coefficient_e4(value: Decimal) -> int:
    """A pay coefficient as exact ten-thousandths; finer precision is refused."""
    scaled = value * 10_000
    if scaled != scaled.to_integral_value() or scaled <= 0:
        raise ValueError("a pay coefficient is positive with at most four decimals")
    return int(scaled)
