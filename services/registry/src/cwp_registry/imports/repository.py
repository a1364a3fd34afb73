from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_registry.imports.models import ImportJob, ImportRejection


class ImportJobRepository(Repository[ImportJob]):
    """A job is seen by callers whose region holds the uploader's."""

    model = ImportJob
    key = ImportJob.id
    scope_column = ImportJob.region
    label = "Import job"

    def scope(self, stmt: AnySelect) -> AnySelect:
        """The uploader's region is a prefix, not a 12-digit code: a job of region 31 is
        seen from 31, 3 and national, never from 3101."""
        region = self.principal.region
        return stmt.where(ImportJob.region.startswith(region, autoescape=True)) if region else stmt

    async def rejections(self, job_id: uuid.UUID) -> AsyncIterator[ImportRejection]:
        stmt = (
            select(ImportRejection)
            .where(ImportRejection.job_id == job_id)
            .order_by(ImportRejection.row_number)
            .execution_options(yield_per=1000)
        )
        async for row in await self.session.stream_scalars(stmt):
            yield row
