"""Calendar arithmetic (pure). The clock and China's business day are in
cwp_common.clock; rules take today as an argument."""

from __future__ import annotations

from datetime import date


def add_years(day: date, years: int) -> date:
    """The anniversary `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
