"""Which events may be subscribed to, how each is scoped, and what personal data is
taken out of it for a subscriber without `pii`.

Scope: an event goes to a subscriber only when a region it belongs to (its community,
or the jurisdiction or region of a payroll figure) lies within the subscriber's region.
A transfer belongs to both the worker's new community and the one they left: the former
region's records must lose the worker. A subscriber whose region holds both gets the
event once (one delivery per event and subscription), the same body either way.

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

COMMUNITY = ("community_code",)
# Subject -> the payload fields that name the event's regions.
EVENTS: Mapping[str, tuple[str, ...]] = {
    WorkerRegistered.type: COMMUNITY,
    WorkerUpdated.type: COMMUNITY,
    WorkerTransferred.type: ("community_code", "from_community_code"),
    WorkerExited.type: COMMUNITY,
    GradeAssigned.type: COMMUNITY,
    GradeChanged.type: COMMUNITY,
    AssessmentConfirmed.type: COMMUNITY,
    PayrollRunCompleted.type: ("jurisdiction",),
    PayrollRunLocked.type: ("jurisdiction",),
    PayrollBenchmarkBreached.type: ("region",),
    QualificationObtained.type: COMMUNITY,
    SkillLevelObtained.type: COMMUNITY,
    RequirementShortfall.type: COMMUNITY,
}
# The producers whose streams the gateway reads for webhooks.
PRODUCERS = ("registry", "career", "payroll", "training")
PERSONAL_FIELDS = frozenset({"birth_date", "retirement_date"})


def producer_of(subject: str) -> str:
    return service_of(subject)


def regions_of(subject: str, data: Mapping[str, Any]) -> list[str]:
    """The event's regions; none when it names none (such an event goes to nobody)."""
    values = (data.get(field) for field in EVENTS.get(subject, ()))
    return [v for v in values if isinstance(v, str) and v]


def in_scope(subject: str, data: Mapping[str, Any], scope: str) -> bool:
    return any(region.startswith(scope) for region in regions_of(subject, data))


def visible_data(data: Mapping[str, Any], sees_pii: bool) -> dict[str, Any]:
    if sees_pii:
        return dict(data)
    return {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}
