"""Pure management rules: which duty rule covers a day in a community, and which
categories of measure belong to rewards and which to discipline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from cwp_registry.management.exceptions import CategoryMismatch, InvalidRulePeriod, NoDutyRule

REWARDS = frozenset({"commendation", "citation", "merit", "bonus"})  # 表扬 嘉奖 记功 奖金
DISCIPLINE = frozenset(  # 批评教育 诫勉 警告 记过 解除聘用
    {"criticism", "admonition", "warning", "demerit", "dismissal"}
)


class RuleLike(Protocol):
    jurisdiction: str
    effective_from: date
    effective_to: date | None


R = TypeVar("R", bound=RuleLike)


def check_rule_period(effective_from: date, effective_to: date | None) -> None:
    if effective_to is not None and effective_to < effective_from:
        raise InvalidRulePeriod()


def rule_for(rules: Sequence[R], community_code: str, day: date) -> R:
    """The most specific rule of the community's jurisdictions in force on `day`."""
    in_force = [
        r
        for r in rules
        if community_code.startswith(r.jurisdiction)
        and r.effective_from <= day
        and (r.effective_to is None or day <= r.effective_to)
    ]
    if not in_force:
        raise NoDutyRule()
    return max(in_force, key=lambda r: (len(r.jurisdiction), r.effective_from))


def check_category(kind: str, category: str) -> None:
    if category not in (REWARDS if kind == "reward" else DISCIPLINE):
        raise CategoryMismatch()


def minutes(hours: Decimal) -> int:
    return int(hours * 60)
