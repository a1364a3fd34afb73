"""Compliance answers and requirement requests. Hours are decimal strings ("12.50")."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from cwp_common.events.contracts import Position
from cwp_common.formats import IsoDate
from cwp_training.compliance.models import Requirement
from cwp_training.compliance.rules import hours
from cwp_training.policy.schemas import Period

# A region whose compliance is read: national ("") or a whole division level (province 2,
# prefecture 4, county 6, street 9, community 12 digits), one level of which is shown
# below it; a prefix between levels (5 digits) has no level below.
RegionLevel = Annotated[
    str | None,
    Query(pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$", description="A division code"),
]

# Hours travel as decimal strings, never floats.
Hours = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str)]


class PeriodOut(BaseModel):
    kind: str  # yearly | three_year | pre_service | continuing_education
    start: IsoDate
    end: IsoDate
    hours_due: Hours
    hours_done: Hours  # attended inside the window
    hours_credited: Hours  # done, up to what is due
    shortfall: Hours
    example: bool  # the hours due come from example policy data


class Totals(BaseModel):
    hours_done: Hours  # credited hours: done, capped per period at what is due
    hours_due: Hours
    shortfall: Hours

    @staticmethod
    def of_minutes(due: int, credited: int) -> dict[str, Decimal]:
        return {
            "hours_done": hours(credited),
            "hours_due": hours(due),
            "shortfall": hours(due - credited),
        }


class WorkerComplianceOut(Totals):
    worker_id: uuid.UUID
    as_of: IsoDate
    compliant: bool
    periods: list[PeriodOut]


class SubRegionOut(Totals):
    region: str
    workers: int
    workers_compliant: int


class RegionComplianceOut(Totals):
    region: str
    as_of: IsoDate
    workers: int
    workers_compliant: int
    certificate_holders: dict[str, int]
    by_region: list[SubRegionOut]


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str = Field(pattern=r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$")
    position: Position | None = None
    period: Period
    hours: int = Field(ge=1, le=1000)
    effective_from: IsoDate
    cycle_start_year: int = Field(default=2024, ge=2000, le=2100)


class RequirementOut(RequirementIn):
    id: uuid.UUID

    @classmethod
    def from_model(cls, row: Requirement) -> RequirementOut:
        return cls(
            id=row.id,
            jurisdiction=row.jurisdiction,
            position=row.position,  # type: ignore[arg-type]
            period=row.period,  # type: ignore[arg-type]
            hours=row.hours,
            effective_from=row.effective_from,
            cycle_start_year=row.cycle_start_year,
        )
