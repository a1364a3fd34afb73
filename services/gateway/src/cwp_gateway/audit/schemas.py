from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from cwp_gateway.audit.models import RequestAudit


class RequestAuditOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str
    actor_kind: str
    actor_region: str
    method: str
    path: str
    status: int | None = Field(
        description="The answer's status; null until the gateway has recorded it (within a "
        "second), and for good when the gateway stopped before it could"
    )
    address: str
    request_id: str
    full_id_read: bool

    @classmethod
    def from_model(cls, row: RequestAudit) -> RequestAuditOut:
        return cls.model_validate(row, from_attributes=True)
