"""Annual plans, classes (a course at a base, with dates, trainers and capacity),
enrolments with waiting lists, and the hours ledger (attendance)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("jurisdiction", "year", "title"),)


class TrainingClass(Base):
    __tablename__ = "classes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"))
    base_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bases.id"))
    jurisdiction: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    scored: Mapped[bool] = mapped_column(default=False)  # the class ends with a score
    trainer_ids: Mapped[str] = mapped_column(String(400), default="")  # ",id,id,"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_classes_jurisdiction", "jurisdiction", "id"),)


class Enrolment(Base):
    __tablename__ = "enrolments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classes.id"))
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # enrolled | waitlisted | completed | withdrawn
    status: Mapped[str] = mapped_column(String(16))
    minutes_studied: Mapped[int] = mapped_column(Integer, default=0)  # online progress
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("class_id", "worker_id"),
        Index("ix_enrolments_worker", "worker_id"),
        Index("ix_enrolments_class_status", "class_id", "status", "created_at"),
    )


class Attendance(Base):
    """The hours ledger: minutes credited to a worker on a day, attended in person or
    studied online (credited when the online course is complete)."""

    __tablename__ = "attendance"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # in_person | online

    __table_args__ = (
        UniqueConstraint("class_id", "worker_id", "day", "kind"),
        # Covering indexes for compliance, read without the table: one worker's hours in
        # a window (a worker's report, registration periods), and everyone's hours in a
        # window (a region's report reads only the rows of the periods in force).
        Index("ix_attendance_worker_day", "worker_id", "day", "minutes"),
        Index("ix_attendance_day", "day", "worker_id", "minutes"),
    )


class YearMinutes(Base):
    """Minutes per worker and calendar year: the sum of that worker's attendance rows
    dated in that year, changed in the same transaction as every attendance write
    (`classes.writer.credit`), so compliance reads a row per worker and year instead of
    the whole ledger. Every jurisdiction-wide period (yearly, 3-year cycle) is whole
    calendar years, so its minutes are a sum of these rows."""

    __tablename__ = "attendance_years"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)
