"""Term queries, scoped through the worker's current community (a term follows its
worker, as every per-worker record does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import within_region
from cwp_registry.terms.models import PostTerm
from cwp_registry.workers.models import Worker


class TermRepository(Repository[PostTerm]):
    model = PostTerm
    key = PostTerm.id
    label = "Term"
    worker_column = PostTerm.worker_id

    def scope(self, stmt: AnySelect) -> AnySelect:
        stmt = stmt.join(Worker, Worker.id == PostTerm.worker_id)
        return within_region(stmt, Worker.community_code, self.principal)

    async def of_worker(self, worker_id: uuid.UUID) -> Sequence[PostTerm]:
        stmt = self.scoped().where(PostTerm.worker_id == worker_id)
        stmt = stmt.order_by(PostTerm.term_start, PostTerm.id)
        return (await self.session.scalars(stmt)).all()

    async def open_of_worker(self, worker_id: uuid.UUID) -> Sequence[PostTerm]:
        stmt = self.scoped().where(PostTerm.worker_id == worker_id, PostTerm.ended_on.is_(None))
        return (await self.session.scalars(stmt.with_for_update(of=PostTerm))).all()
