"""The training service's projection of registry workers: who they are, where they
serve now (the region scope of every per-worker record) and since when."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class Worker(Base):
    __tablename__ = "workers"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    community_code: Mapped[str] = mapped_column(String(12))
    position: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    hire_date: Mapped[date] = mapped_column(Date)
    # 学历, for exam eligibility (None: projected before training kept it, until the
    # worker's next registry event).
    education: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # The region range in worker order: compliance of a region, bulk enrolment.
    __table_args__ = (
        Index("ix_workers_community_code", "community_code", "worker_id"),
        Index("ix_workers_position", "position", "community_code"),
    )
