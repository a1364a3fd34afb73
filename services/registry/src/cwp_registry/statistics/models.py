from __future__ import annotations

import uuid

from sqlalchemy import Index, Integer, PrimaryKeyConstraint, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_registry.db import Base


class WorkforceCount(Base):
    """A change of one count in one region, bucketed by when it happened.

    grain 'd' (period yyyymmdd) holds the stock changes of the day the registry recorded
    them: for ever at the community level (12 digits), and above it only while the month
    is open (the monthly fold, statistics/jobs.py, deletes them after). grain 'm' (yyyymm)
    holds the same changes by month at the levels above the community. A count as of any
    date is the sum of the months before it and the days of its month; grain 'f' holds
    flows (joined, left, moved in/out) by the month they took effect. `level` is the
    region's length: 0, 2, 4, 6, 9 or 12 digits."""

    __tablename__ = "workforce_counts"
    __table_args__ = (
        PrimaryKeyConstraint("level", "region", "grain", "period", "dim", "value"),
        # The sub-regions' headcounts: one dimension over a range of regions.
        Index("ix_workforce_counts_dim", "level", "dim", "grain", "region", "period"),
        # A closed month's days up to a date, read at the community level for any region.
        Index("ix_workforce_counts_days", "level", "grain", "period", "region"),
    )

    level: Mapped[int] = mapped_column(SmallInteger)
    region: Mapped[str] = mapped_column(String(12))
    grain: Mapped[str] = mapped_column(String(1))
    period: Mapped[int] = mapped_column(Integer)
    dim: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(40))
    delta: Mapped[int] = mapped_column(Integer)


class WorkerGrade(Base):
    """The grade career last gave each worker (career.grade.* events)."""

    __tablename__ = "worker_grades"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    grade: Mapped[str] = mapped_column(String(40))  # "<category>:<grade>"


class WorkerQualification(Base):
    """The highest social-work qualification each worker holds (training events)."""

    __tablename__ = "worker_qualifications"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
