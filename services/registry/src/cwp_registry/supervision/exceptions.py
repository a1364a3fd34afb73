"""Supervision problems; fixed texts only."""

from __future__ import annotations

from typing import ClassVar, Literal

from cwp_common.problems import Conflict, InvalidInput

Reason = Literal[
    "period-order", "published-before-period", "concluded-before-start", "audit-before-period"
]


class InvalidSupervisionDates(InvalidInput):
    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "period-order": ("period_end", "the period ends before it starts / 期间起止日期颠倒"),
        "published-before-period": (
            "published_on",
            "a disclosure is published once its period has begun / 公开日期早于公开期间",
        ),
        "concluded-before-start": (
            "concluded_on",
            "the audit concludes before it starts / 审计结束日期早于开始日期",
        ),
        "audit-before-period": (
            "started_on",
            "an audit starts once the period it covers has begun / 审计开始日期早于审计期间",
        ),
    }

    def __init__(self, reason: Reason) -> None:
        field, message = self.MESSAGES[reason]
        super().__init__(field, message, slug="invalid-dates")


class NotAuditable(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "position",
            "An audit during the term is of a post the worker holds (community Party "
            "secretary or residents' committee director) / 任中审计对象须现任该职务",
            slug="not-auditable",
        )


class AuditConcluded(Conflict):
    def __init__(self) -> None:
        super().__init__("audit-concluded", "This audit has already concluded / 审计已结束")
