from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from cwp_common.events.contracts import Position, TermBody, TermEndReason
from cwp_common.formats import IsoDate
from cwp_registry.terms.models import PostTerm


class ReelectionIn(BaseModel):
    """A new term in a post the worker holds (换届选举 re-elected them)."""

    model_config = ConfigDict(extra="forbid")

    position: Position
    term_start: IsoDate


class TermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    community_code: str
    position: Position
    body: TermBody
    term_start: IsoDate
    due_end: IsoDate
    ended_on: IsoDate | None
    end_reason: TermEndReason | None

    @classmethod
    def from_model(cls, row: PostTerm) -> TermOut:
        return cls.model_validate(row)
