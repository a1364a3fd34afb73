"""Skill level queries, scoped through the worker's current community."""

from __future__ import annotations

from sqlalchemy import or_, select

from cwp_training.skills.models import SkillLevelRecord
from cwp_training.workers.scope import WorkerScoped


class SkillLevelRepository(WorkerScoped[SkillLevelRecord]):
    model = SkillLevelRecord
    key = SkillLevelRecord.id
    worker_column = SkillLevelRecord.worker_id
    label = "Skill level"

    async def clashes(self, worker_id: object, level: str, certificate_no: str) -> bool:
        """National on purpose: certificate numbers are unique across the country."""
        stmt = select(SkillLevelRecord.id).where(
            or_(
                (SkillLevelRecord.worker_id == worker_id) & (SkillLevelRecord.level == level),
                SkillLevelRecord.certificate_no == certificate_no,
            )
        )
        return (await self.session.scalar(stmt)) is not None
