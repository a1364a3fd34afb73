from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar

from sqlalchemy.orm import InstrumentedAttribute

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_registry.supervision.models import Disclosure, EconomicAudit
from cwp_registry.workers.scope import WorkerScoped


class DisclosureRepository(Repository[Disclosure]):
    model = Disclosure
    key = Disclosure.id
    scope_column = Disclosure.community_code
    label = "Disclosure"

    def listing(
        self,
        region: str | None,
        community_code: str | None,
        kind: str | None,
        published_from: date | None,
    ) -> AnySelect:
        stmt = self.where_given(
            self.scoped(), (Disclosure.community_code, community_code), (Disclosure.kind, kind)
        )
        if region:
            stmt = stmt.where(region_clause(Disclosure.community_code, region))
        if published_from is not None:
            stmt = stmt.where(Disclosure.published_on >= published_from)
        return stmt


class AuditRepository(WorkerScoped[EconomicAudit]):
    model = EconomicAudit
    key = EconomicAudit.id
    label = "Audit"
    worker_column: ClassVar[InstrumentedAttribute[Any]] = EconomicAudit.worker_id

    def of_worker(self, worker_id: uuid.UUID) -> AnySelect:
        return self.scoped().where(EconomicAudit.worker_id == worker_id)
