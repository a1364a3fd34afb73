"""The statutory retirement age as dated data (retirement_ages.json, with its source):
the gradual raise from 2025-01-01 depends on the birth month, so the age is computed per
person from the group's statutory age, target and pace. Pure; the data loads once."""

from __future__ import annotations

import calendar
import functools
import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Group:
    statutory_years: int  # the age before the raise (60, 55, 50)
    target_years: int  # the age at the end of the raise (63, 58, 55)
    months_per_step: int  # birth months per extra month of working life (4 or 2)


@dataclass(frozen=True, slots=True)
class Schedule:
    effective: date  # the raise starts with those who would have retired this month
    groups: dict[str, Group]
    female_groups: dict[str, dict[str, str]]  # division prefix -> position -> group


@functools.cache
def schedule() -> Schedule:
    raw: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("retirement_ages.json").read_text("utf-8")
    )
    return Schedule(
        date.fromisoformat(raw["effective_date"]),
        {name: Group(**g) for name, g in raw["groups"].items()},
        raw["female_groups"],
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of a shorter month when it has none."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def group_of(sex: str, position: str, community_code: str, s: Schedule) -> str:
    if sex == "male":
        return "male"
    for prefix in (community_code[:4], community_code[:2], ""):
        by_position = s.female_groups.get(prefix)
        if by_position is not None:
            return by_position.get(position) or by_position["*"]
    return "female_cadre"


def retirement_date(birth: date, sex: str, position: str, community_code: str) -> date:
    """The day the worker reaches the statutory retirement age."""
    s = schedule()
    g = s.groups[group_of(sex, position, community_code, s)]
    statutory = add_months(birth, g.statutory_years * 12)
    months_late = (statutory.year - s.effective.year) * 12 + statutory.month - s.effective.month
    if months_late < 0:
        return statutory
    ceiling = (g.target_years - g.statutory_years) * 12
    return add_months(statutory, min(months_late // g.months_per_step + 1, ceiling))
