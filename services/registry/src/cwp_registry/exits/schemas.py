from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from cwp_common.events.contracts import ExitReason
from cwp_common.formats import IsoDate
from cwp_common.text import Note
from cwp_registry.workers.schemas import ExitIn


class ConfirmIn(ExitIn):
    """The exit as POST /workers/{id}/exit records it: the person confirming chooses the
    reason that fits the worker's category (contract_end, recalled, party_removal...)."""


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[Note, StringConstraints(min_length=1)]  # why the worker stays


class ExitCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    recommended_reason: str
    failing_years: list[int]
    tracks: list[str]
    status: Literal["open", "confirmed", "dismissed"]
    exit_reason: ExitReason | None
    exit_date: IsoDate | None
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: object) -> ExitCaseOut:
        return cls.model_validate(row)
