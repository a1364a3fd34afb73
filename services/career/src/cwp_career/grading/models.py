"""Grade history (every change, explained) and mass regrade jobs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_career.db import Base, ExactDecimal
from cwp_common.db import UTCDateTime

# Plain JSON (json, not jsonb, on PostgreSQL): documents are stored and shown whole, never
# queried inside, and json costs far less than jsonb to write in bulk.
JSONDoc = JSON()


class GradeHistory(Base):
    __tablename__ = "grade_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    community_code: Mapped[str] = mapped_column(String(12))
    from_category: Mapped[str | None] = mapped_column(String(40))
    from_grade: Mapped[int | None] = mapped_column(Integer)
    to_category: Mapped[str] = mapped_column(String(40))
    to_grade: Mapped[int] = mapped_column(Integer)
    pay_coefficient: Mapped[Decimal] = mapped_column(ExactDecimal(10, 4))
    effective_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(40))
    ladder_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_grade_history_worker", "worker_id", "effective_date"),)


class RegradeJob(Base):
    __tablename__ = "regrade_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))  # division-code prefix, "" = all
    as_of: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(
        String(20)
    )  # "ladder" (publish), "step" (POST /regrade), "daily"
    ladder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(12))  # queued, running, done, failed
    examined: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
