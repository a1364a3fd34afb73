"""China's working days as data (working_days.json, with its source): weekends off, the
public holidays off, and the weekend days worked in exchange on. A publicity period
(公示) lasts a number of working days. Pure; the data loads once."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources


@dataclass(frozen=True, slots=True)
class Calendar:
    years: frozenset[int]  # years the data covers
    holidays: frozenset[date]
    working_weekends: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.working_weekends

    def knows(self, *days: date) -> bool:
        return all(d.year in self.years for d in days)


@functools.cache
def calendar() -> Calendar:
    raw = json.loads(resources.files(__package__).joinpath("working_days.json").read_text("utf-8"))
    years = raw["years"]
    return Calendar(
        frozenset(int(y) for y in years),
        frozenset(date.fromisoformat(d) for y in years.values() for d in y["holidays"]),
        frozenset(date.fromisoformat(d) for y in years.values() for d in y["working_weekends"]),
    )


def last_working_day(start: date, working_days: int, cal: Calendar) -> date:
    """The last day of a period of `working_days` working days beginning on `start` (or
    on the first working day after it, when `start` is a day off)."""
    day, counted = start, 0
    while True:
        if cal.is_working_day(day):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)
