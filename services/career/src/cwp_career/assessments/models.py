"""Annual assessments (考核) and the exit recommendations they lead to."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_career.db import Base, ExactDecimal
from cwp_common.db import UTCDateTime


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    community_code: Mapped[str] = mapped_column(String(12))  # the worker's, when entered
    year: Mapped[int] = mapped_column(Integer)
    # The three parts the Opinion names, each scored 0-100.
    political_quality: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    work_performance: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    resident_satisfaction: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    result: Mapped[str] = mapped_column(String(20))  # a name from the ladder's scale
    remarks: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # draft | confirmed
    # Fixed at confirmation under the ladder in force for the assessed year.
    ladder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    rank: Mapped[int | None] = mapped_column(Integer)
    passing: Mapped[bool | None] = mapped_column(Boolean)
    counted: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where a confirmed result is counted now (AssessmentCount): its worker's community,
    # followed through moves. A move is counted once, also when the events are replayed.
    counted_in: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (
        UniqueConstraint("worker_id", "year"),
        Index("ix_assessments_community_year", "community_code", "year"),
    )


class AssessmentCount(Base):
    """Confirmed results counted per community, kept with every confirmation and every
    move of a worker who holds confirmed results: the change of `delta` on `day`. The
    summary for a date sums the rows up to it, so a past date reads the results where
    their workers stood then, and a later move does not change an earlier report."""

    __tablename__ = "assessment_counts"

    community_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    result: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # China time
    delta: Mapped[int] = mapped_column(Integer)


class ExitRecommendation(Base):
    __tablename__ = "exit_recommendations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    community_code: Mapped[str] = mapped_column(String(12))
    failing_years: Mapped[str] = mapped_column(String(100))  # "2024,2025"
    reason: Mapped[str] = mapped_column(Text)
    # The exit procedures that apply (分类完善退出机制): "contract,elected,party,staff".
    tracks: Mapped[str] = mapped_column(String(100), default="")
    # open until the registry reports the worker exited (closed); nothing exits here.
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_exit_recommendations_community_code", "community_code"),
        Index("ix_exit_recommendations_worker_id", "worker_id"),
    )
