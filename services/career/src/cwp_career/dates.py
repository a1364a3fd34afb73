"""Calendar helpers. Business dates are in China time (UTC+8, no daylight saving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today() -> date:
    return datetime.now(UTC).astimezone(CHINA_TZ).date()


def business_date(moment: datetime) -> date:
    """The calendar day in China on which an event happened."""
    return moment.astimezone(CHINA_TZ).date()


def add_years(day: date, years: int) -> date:
    """The anniversary `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: date, end: date) -> int:
    """Completed years from start to end (0 when end is before start): a year is
    complete on its anniversary as add_years gives it."""
    if end <= start:
        return 0
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return years
