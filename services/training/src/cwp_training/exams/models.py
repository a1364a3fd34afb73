"""Social-work qualification exam results, one row per subject sat in an exam year
(the senior level's review, 评审, is recorded as the subject "review")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class ExamResult(Base):
    __tablename__ = "exam_results"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    level: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(40))
    exam_date: Mapped[date] = mapped_column(Date)
    exam_year: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    pass_mark: Mapped[int] = mapped_column(Integer)  # the line applied (regional or national)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("worker_id", "level", "subject", "exam_year"),
        Index("ix_exam_results_worker", "worker_id", "level"),
    )
