"""Pure supervision rules: disclosure periods and publication, who an economic
responsibility audit covers (2024 Opinion, Q&A 7: 社区党组织书记、社区居民委员会主任)."""

from __future__ import annotations

from datetime import date

from cwp_registry.supervision.exceptions import InvalidSupervisionDates, NotAuditable

AUDITED_POSITIONS = frozenset({"party_secretary", "committee_director"})


def check_disclosure(period_start: date, period_end: date, published_on: date) -> None:
    if period_end < period_start:
        raise InvalidSupervisionDates("period-order")
    if published_on < period_start:
        raise InvalidSupervisionDates("published-before-period")


def check_audit_dates(
    period_from: date, period_to: date, started_on: date, concluded_on: date | None
) -> None:
    if period_to < period_from:
        raise InvalidSupervisionDates("period-order")
    if started_on < period_from:
        raise InvalidSupervisionDates("audit-before-period")
    if concluded_on is not None and concluded_on < started_on:
        raise InvalidSupervisionDates("concluded-before-start")


def check_auditable(kind: str, position: str, held: list[str]) -> None:
    """A tenure audit is of a post held now; a departure audit of one held before (the
    post need not be held any more)."""
    if kind == "tenure" and position not in held:
        raise NotAuditable()
