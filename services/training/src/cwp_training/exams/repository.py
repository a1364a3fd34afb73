"""Exam result queries, scoped through the worker's current community."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from cwp_training.exams.models import ExamResult
from cwp_training.workers.scope import WorkerScoped


class ExamResultRepository(WorkerScoped[ExamResult]):
    model = ExamResult
    key = ExamResult.id
    worker_column = ExamResult.worker_id
    label = "Exam result"

    async def of_level(self, worker_id: uuid.UUID, level: str) -> Sequence[ExamResult]:
        stmt = self.scoped().where(ExamResult.worker_id == worker_id, ExamResult.level == level)
        return (await self.session.scalars(stmt)).all()
