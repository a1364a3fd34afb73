"""Hour accounting (pure): period windows, pre-service and registration windows, and
how hours done count against hours due.

Every period counts the hours attended inside it; one training hour counts toward each
period it falls in (a yearly requirement and a 3-year registration alike). Per period,
hours done are credited up to the hours due, so a surplus in one period never hides a
shortfall in another: shortfall = due - credited, and a worker complies when every
current period has no shortfall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from cwp_training.dates import add_years
from cwp_training.policy.schemas import PolicyOut

MINUTES_PER_HOUR = 60
HUNDREDTH = Decimal("0.01")


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (ROUND_HALF_UP): 90 -> 1.50."""
    return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(HUNDREDTH, ROUND_HALF_UP)


def credited_minutes(done: int, due_hours: int) -> int:
    return min(done, due_hours * MINUTES_PER_HOUR)


def period_window(period: str, as_of: date, cycle_start_year: int) -> tuple[date, date]:
    """The calendar window of a yearly or three-year period containing `as_of`
    (three-year cycles run from 1 January of cycle_start_year, +3, +6 ...)."""
    if period == "yearly":
        return date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    first = cycle_start_year + 3 * ((as_of.year - cycle_start_year) // 3)
    return date(first, 1, 1), date(first + 2, 12, 31)


def pre_service_window(
    hire_date: date, registered_on: date, within_days: int
) -> tuple[date, date] | None:
    """The pre-service window of a newly registered worker: from the hire, `within_days`
    long. None for a worker registered after that window closed (an existing worker
    entered into the registry later is not new to the post)."""
    end = hire_date + timedelta(days=within_days - 1)
    if end < registered_on:
        return None
    return hire_date, end


TRANSFER_DIGITS = {"other_province": 2, "other_prefecture": 4, "other_county": 6}


def transfer_owes_pre_service(on_transfer: str, from_code: str, to_code: str) -> bool:
    """Whether a transfer from `from_code` to `to_code` owes the new jurisdiction's
    pre-service training under its `on_transfer` rule."""
    if on_transfer == "always":
        return True
    digits = TRANSFER_DIGITS.get(on_transfer)
    return digits is not None and from_code[:digits] != to_code[:digits]


def registration_window(start: date, period_years: int) -> tuple[date, date]:
    """One registration period: `period_years` from its first day, last day inclusive."""
    return start, add_years(start, period_years) - timedelta(days=1)


def registration_status(end: date, today: date) -> str:
    return "expired" if end < today else "active"


@dataclass(frozen=True)
class RuleWindow:
    """A jurisdiction-wide requirement as it applies on a day: workers whose community
    lies under `jurisdiction` (and hold `position`, when given) owe `hours` in
    [start, end]. `rank` orders competing rules of one kind: a more specific
    jurisdiction, then a position of its own, then a published rule over shipped data."""

    kind: str  # yearly | three_year
    jurisdiction: str
    position: str | None
    start: date
    end: date
    hours: int
    rank: int
    example: bool


def rank(jurisdiction: str, position: str | None, published: bool) -> int:
    return len(jurisdiction) * 4 + (2 if position else 0) + (1 if published else 0)


def shipped_windows(policy: PolicyOut, as_of: date, jurisdiction: str) -> list[RuleWindow]:
    reqs = policy.requirements
    out = []
    for r in reqs.rules:
        start, end = period_window(r.period, as_of, reqs.cycle_start_year)
        out.append(
            RuleWindow(
                r.period,
                jurisdiction,
                r.position,
                start,
                end,
                r.hours,
                rank(jurisdiction, r.position, False),
                "requirements" in policy.examples,
            )
        )
    return out
