"""Pure assessment rules: the share cap on the best result and the run of failing years
that leads to an exit recommendation."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal


def scale_day(year: int) -> date:
    """The ladder whose scale applies to a year's assessment is the one in force at its
    last day."""
    return date(year, 12, 31)


def excellent_allowed(assessed: int, cap: Decimal) -> int:
    """How many may get the best result among `assessed` people: the cap's share rounded
    down (20% of 12 is 2; of 4 it is 0), so the share never exceeds the cap."""
    return int((cap * assessed).to_integral_value(rounding=ROUND_FLOOR))


def cap_breach(results: Collection[str], excellent: str, cap: Decimal | None) -> str | None:
    """A message when the share of `excellent` among `results` is above the cap."""
    if cap is None or not results:
        return None
    given = sum(1 for r in results if r == excellent)
    allowed = excellent_allowed(len(results), cap)
    if given <= allowed:
        return None
    return (
        f"{given} of {len(results)} results are {excellent}; the cap of {cap:%} allows "
        f"{allowed} / {excellent}比例超过上限"
    )


def failing_run(passing_by_year: Mapping[int, bool], year: int, limit: int | None) -> list[int]:
    """The run of consecutive failing years through `year`, when it is at least `limit`
    long (the exit rule); else []. Looking both ways makes the order of confirmation
    irrelevant: confirming 2024 after 2025 finds the same run."""
    if limit is None or passing_by_year.get(year, True):
        return []
    first = last = year
    while passing_by_year.get(first - 1) is False:
        first -= 1
    while passing_by_year.get(last + 1) is False:
        last += 1
    return list(range(first, last + 1)) if last - first + 1 >= limit else []
