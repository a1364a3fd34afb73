from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict

from cwp_common.events.contracts import Position, TermBody, TermEndReason
from cwp_registry.terms.models import PostTerm


class ReelectionIn(BaseModel):
    """A new term in a post the worker holds (换届选举 re-elected them)."""

    model_config = ConfigDict(extra="forbid")

    position: Position
    term_start: date


class TermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    community_code: str
    position: Position
    body: TermBody
    term_start: date
    due_end: date
    ended_on: date | None
    end_reason: TermEndReason | None

    @classmethod
    def from_model(cls, row: PostTerm) -> TermOut:
        return cls.model_validate(row)
