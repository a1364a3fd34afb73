"""Qualification queries, scoped through the worker's current community."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from cwp_training.compliance.models import Obligation
from cwp_training.qualifications.models import Qualification
from cwp_training.workers.scope import WorkerScoped


class QualificationRepository(WorkerScoped[Qualification]):
    model = Qualification
    key = Qualification.id
    worker_column = Qualification.worker_id
    label = "Qualification"

    async def held(self, worker_id: uuid.UUID) -> Sequence[Qualification]:
        stmt = self.scoped().where(Qualification.worker_id == worker_id)
        return (await self.session.scalars(stmt)).all()

    async def certificate_taken(self, certificate_no: str) -> bool:
        """National on purpose: a certificate number is unique across the country."""
        stmt = select(Qualification.id).where(Qualification.certificate_no == certificate_no)
        return (await self.session.scalar(stmt)) is not None


class RegistrationRepository(WorkerScoped[Obligation]):
    """Registration periods: the continuing-education obligations of a qualification."""

    model = Obligation
    key = Obligation.id
    worker_column = Obligation.worker_id
    label = "Registration"

    async def of(self, qualification_ids: Sequence[uuid.UUID]) -> Sequence[Obligation]:
        stmt = (
            self.scoped()
            .where(Obligation.qualification_id.in_(list(qualification_ids)))
            .order_by(Obligation.period_start)
        )
        return (await self.session.scalars(stmt)).all()
