from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cwp_registry.imports.exceptions import FILE_REASONS
from cwp_registry.imports.models import ImportJob


class ImportJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    state: Literal["queued", "running", "done", "failed"]
    dry_run: bool
    rows: int = Field(description="Data rows read so far (empty rows are skipped)")
    total_estimate: int | None = Field(description="Data rows the file announces, if any")
    progress: float | None = Field(description="rows / total_estimate, 0..1, when known")
    created: int
    updated: int
    unchanged: int
    rejected: int
    failure: str | None = Field(description="Why a failed job stopped (a reason code)")
    failure_detail: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_model(cls, job: ImportJob) -> ImportJobOut:
        estimate = job.total_estimate
        if job.state == "done":
            progress: float | None = 1.0
        elif estimate:
            progress = round(min(job.rows / estimate, 1.0), 3)
        else:
            progress = None
        return cls.model_validate(
            {
                **{f: getattr(job, f) for f in cls.model_fields if hasattr(job, f)},
                "progress": progress,
                "failure_detail": FILE_REASONS.get(job.failure) if job.failure else None,
            }
        )
