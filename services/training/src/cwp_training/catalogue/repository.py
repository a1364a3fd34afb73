"""Catalogue queries. Catalogue rows belong to a jurisdiction: a caller sees those of
the jurisdictions containing its region (national and provincial courses serve a
district) and those inside it."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import jurisdiction_clause
from cwp_training.catalogue.models import Course, Resource, Trainer, TrainerRating, TrainingBase
from cwp_training.workers.scope import own_rows


class Owned(Repository[Any]):
    def scope(self, stmt: AnySelect) -> AnySelect:
        column = type(self).model.jurisdiction
        stmt = own_rows(stmt, self.principal, None)
        return stmt.where(jurisdiction_clause(column, self.principal.region))

    def current(self, stmt: AnySelect) -> AnySelect:
        """Only rows not retired (every model here but Resource can be retired)."""
        model = type(self).model
        return stmt.where(model.retired_at.is_(None)) if hasattr(model, "retired_at") else stmt

    def tagged(self, stmt: AnySelect, column: Any, topic: str | None) -> AnySelect:
        return stmt.where(column.contains(f",{topic},", autoescape=True)) if topic else stmt


class CourseRepository(Owned):
    model = Course
    key = Course.id
    label = "Course"


class BaseRepository(Owned):
    model = TrainingBase
    key = TrainingBase.id
    label = "Base"


class TrainerRepository(Owned):
    model = Trainer
    key = Trainer.id
    label = "Trainer"

    async def ratings(self, trainer_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, Decimal]]:
        """Number and mean (two decimals) of each trainer's ratings."""
        stmt = (
            select(TrainerRating.trainer_id, func.count(), func.sum(TrainerRating.score))
            .where(TrainerRating.trainer_id.in_(trainer_ids))
            .group_by(TrainerRating.trainer_id)
        )
        out = {}
        for tid, n, total in (await self.session.execute(stmt)).all():
            mean = (Decimal(int(total)) / int(n)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            out[tid] = (int(n), mean)
        return out

    async def rated(self, trainer_id: uuid.UUID, class_id: uuid.UUID, worker_id: uuid.UUID) -> bool:
        stmt = select(TrainerRating.id).where(
            TrainerRating.trainer_id == trainer_id,
            TrainerRating.class_id == class_id,
            TrainerRating.worker_id == worker_id,
        )
        return (await self.session.scalar(stmt)) is not None


class ResourceRepository(Owned):
    model = Resource
    key = Resource.id
    label = "Resource"
