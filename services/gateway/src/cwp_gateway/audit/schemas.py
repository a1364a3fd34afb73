from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from cwp_gateway.audit.models import RequestAudit


class RequestAuditOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str
    actor_kind: str
    actor_region: str
    method: str
    path: str
    status: int
    address: str
    request_id: str
    full_id_read: bool

    @classmethod
    def from_model(cls, row: RequestAudit) -> RequestAuditOut:
        return cls.model_validate(row, from_attributes=True)
