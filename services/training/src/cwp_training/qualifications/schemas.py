"""Qualification requests and answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_common.events.contracts import QualificationLevel
from cwp_common.formats import IsoDate
from cwp_training.compliance.models import Obligation
from cwp_training.compliance.rules import registration_status
from cwp_training.qualifications.models import Qualification

# Certificate numbers: letters, digits and hyphens (管理号 formats differ by year).
CertificateNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,64}$")]


class QualificationIn(BaseModel):
    """An existing certificate, recorded directly."""

    model_config = ConfigDict(extra="forbid")

    worker_id: uuid.UUID
    level: QualificationLevel
    obtained_on: IsoDate
    certificate_no: CertificateNo


class RegistrationOut(BaseModel):
    """A 3-year registration period and its continuing-education hours."""

    id: uuid.UUID
    period_start: IsoDate
    period_end: IsoDate
    hours_due: int
    status: str  # active | expired

    @classmethod
    def from_model(cls, row: Obligation, today: date) -> RegistrationOut:
        return cls(
            id=row.id,
            period_start=row.period_start,
            period_end=row.period_end,
            hours_due=row.hours_due,
            status=registration_status(row.period_end, today),
        )


class QualificationOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    level: str
    obtained_on: IsoDate
    certificate_no: str | None
    source: str  # certificate | exam
    registration_expired: bool  # the latest registration period has ended
    registrations: list[RegistrationOut]

    @classmethod
    def from_model(
        cls, row: Qualification, registrations: Sequence[Obligation], today: date
    ) -> QualificationOut:
        periods = [RegistrationOut.from_model(r, today) for r in registrations]
        return cls(
            id=row.id,
            worker_id=row.worker_id,
            level=row.level,
            obtained_on=row.obtained_on,
            certificate_no=row.certificate_no,
            source=row.source,
            registration_expired=bool(periods) and periods[-1].status == "expired",
            registrations=periods,
        )
