"""Eligibility response models."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pydantic import BaseModel

from cwp_common.formats import IsoDate

if TYPE_CHECKING:
    from cwp_career.eligibility.rules import Candidate
    from cwp_career.ladders.schemas import Criterion
    from cwp_career.workers.models import Worker


class EligibleWorker(BaseModel):
    worker_id: uuid.UUID
    name: str
    community_code: str
    position: str
    position_since: IsoDate
    community_since: IsoDate
    counted_years: int
    ladder_id: uuid.UUID
    criterion: str
    title: str
    example: bool  # the criterion is example data, not a published policy

    @classmethod
    def from_model(
        cls,
        row: Worker,
        ladder_id: uuid.UUID,
        name: str,
        criterion: Criterion,
        candidate: Candidate,
        example: bool,
    ) -> EligibleWorker:
        return cls(
            worker_id=row.worker_id,
            name=row.name,
            community_code=row.community_code,
            position=row.position,
            position_since=row.position_since,
            community_since=row.community_since,
            counted_years=candidate.counted_years,
            ladder_id=ladder_id,
            criterion=name,
            title=criterion.title,
            example=example,
        )


class EligibilityPage(BaseModel):
    criterion: str
    as_of: IsoDate
    items: list[EligibleWorker]
    # Set while workers remain to be examined: a page may hold fewer than `limit` items,
    # because each request examines a bounded number of workers.
    next_cursor: str | None = None
