"""Which events may be subscribed to, how each is scoped, and what personal data is
taken out of it for a subscriber without `pii`.

Scope: an event goes to a subscriber only when the region it belongs to (its community,
or the jurisdiction or region of a payroll figure) lies within the subscriber's region.
A transfer belongs to the worker's new community: the former region is not told.

Personal data: payloads never carry ID numbers or phones (cwp_common.events.contracts);
the worker events carry the birth date, and the retirement date derived from it. For a
subscriber without `pii` both fields are dropped and the rest is delivered: the event
itself (a worker registered, transferred, exited) is what a provincial system needs, and
withholding it would leave its records wrong. With `pii` the payload goes as published.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cwp_common.events.contracts import (
    AssessmentConfirmed,
    GradeAssigned,
    GradeChanged,
    PayrollBenchmarkBreached,
    PayrollRunCompleted,
    PayrollRunLocked,
    QualificationObtained,
    RequirementShortfall,
    SkillLevelObtained,
    WorkerExited,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.events.envelope import service_of

# Subject -> the payload field that names the event's region.
EVENTS: Mapping[str, str] = {
    WorkerRegistered.type: "community_code",
    WorkerUpdated.type: "community_code",
    WorkerTransferred.type: "community_code",
    WorkerExited.type: "community_code",
    GradeAssigned.type: "community_code",
    GradeChanged.type: "community_code",
    AssessmentConfirmed.type: "community_code",
    PayrollRunCompleted.type: "jurisdiction",
    PayrollRunLocked.type: "jurisdiction",
    PayrollBenchmarkBreached.type: "region",
    QualificationObtained.type: "community_code",
    SkillLevelObtained.type: "community_code",
    RequirementShortfall.type: "community_code",
}
# The producers whose streams the gateway reads for webhooks.
PRODUCERS = ("registry", "career", "payroll", "training")
PERSONAL_FIELDS = frozenset({"birth_date", "retirement_date"})


def producer_of(subject: str) -> str:
    return service_of(subject)


def region_of(subject: str, data: Mapping[str, Any]) -> str | None:
    """The event's region, or None when it has none (such an event goes to nobody)."""
    field = EVENTS.get(subject)
    value = data.get(field) if field else None
    return value if isinstance(value, str) and value else None


def in_scope(subject: str, data: Mapping[str, Any], scope: str) -> bool:
    region = region_of(subject, data)
    return region is not None and region.startswith(scope)


def visible_data(data: Mapping[str, Any], sees_pii: bool) -> dict[str, Any]:
    if sees_pii:
        return dict(data)
    return {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}
