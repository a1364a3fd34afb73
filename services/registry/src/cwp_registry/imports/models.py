from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class ImportJob(Base):
    """One uploaded file and how far its import went. Kept as a row so a job outlives
    the request (and a restart, which marks a job it interrupted failed)."""

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    state: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    dry_run: Mapped[bool] = mapped_column(Boolean)
    file_kind: Mapped[str] = mapped_column(String(8))  # xlsx or csv
    region: Mapped[str] = mapped_column(String(12))  # the uploader's; scopes who sees it
    created_by: Mapped[str] = mapped_column(String(120))
    total_estimate: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(String(32))  # a reason code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRejection(Base):
    """A rejected row: the reason (a code, turned into fixed text when shown) and the
    row's cells, encrypted like ID numbers are, since the row holds one."""

    __tablename__ = "import_rejections"

    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(48))
    field: Mapped[str | None] = mapped_column(String(32))
    cells_cipher: Mapped[str] = mapped_column(Text)
