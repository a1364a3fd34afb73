from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_registry.care.models import CareRecord
from cwp_registry.workers.scope import WorkerScoped


class CareRepository(WorkerScoped[CareRecord]):
    model = CareRecord
    key = CareRecord.id
    label = "Care record"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = CareRecord.worker_id

    def of_worker(self, worker_id: uuid.UUID, kind: str | None) -> AnySelect:
        stmt = self.scoped().where(CareRecord.worker_id == worker_id)
        return self.where_given(stmt, (CareRecord.kind, kind))
