"""Business time. Timestamps are stored in UTC; business days, months and years are those
of China (Asia/Shanghai, UTC+8 with no daylight saving since 1991).

Only use cases and jobs read the clock; rules take "today" as an argument so they stay
pure and testable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_in_china() -> date:
    return datetime.now(UTC).astimezone(CHINA_TZ).date()


def business_date(moment: datetime) -> date:
    """The calendar day in China on which a moment falls."""
    return moment.astimezone(CHINA_TZ).date()
