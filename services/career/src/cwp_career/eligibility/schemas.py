"""Eligibility response models."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel


class EligibleWorker(BaseModel):
    worker_id: uuid.UUID
    name: str
    community_code: str
    position: str
    position_since: date
    community_since: date
    counted_years: int
    ladder_id: uuid.UUID
    criterion: str
    title: str


class EligibilityPage(BaseModel):
    criterion: str
    as_of: date
    items: list[EligibleWorker]
    # Set while workers remain to be examined: a page may hold fewer than `limit` items,
    # because each request examines a bounded number of workers.
    next_cursor: str | None = None
