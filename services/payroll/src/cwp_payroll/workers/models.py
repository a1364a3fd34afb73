"""Payroll's own projection of the workers it pays, built from registry, career and
training events, and the per-worker tax choices entered here.

No birth date, ID number or phone: payroll needs none of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_payroll.db import Base


class PayWorker(Base):
    __tablename__ = "workers"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    community_code: Mapped[str] = mapped_column(String(12))
    position: Mapped[str] = mapped_column(String(32))
    employment_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    hire_date: Mapped[date] = mapped_column(Date)
    service_start_date: Mapped[date] = mapped_column(Date)
    exit_date: Mapped[date | None] = mapped_column(Date)
    # The grade career assigned, with its pay coefficient in ten-thousandths (exact, as
    # the ladder's NUMERIC(10,4)) and whether that coefficient is only example data.
    category: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[int | None] = mapped_column(Integer)
    coefficient_e4: Mapped[int | None] = mapped_column(Integer)
    grade_example: Mapped[bool] = mapped_column(Boolean, default=False)
    grade_effective_date: Mapped[date | None] = mapped_column(Date)
    # Highest social-work qualification held and when it was obtained.
    qualification: Mapped[str | None] = mapped_column(String(16))
    qualification_date: Mapped[date | None] = mapped_column(Date)
    # The run that paid the one-off qualification allowance (paid once per level).
    one_off_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    one_off_level: Mapped[str | None] = mapped_column(String(16))
    # 专项附加扣除 declared by the worker, fen a month, and the annual bonus taxation
    # choice (separately while the rule is in force, REFERENCE §3.6).
    additional_deductions: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_separate: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # The region range in worker order: a run's chunk reads one street's workers by it.
    __table_args__ = (Index("ix_workers_community_code", "community_code", "worker_id"),)


class GradeChange(Base):
    """Each grade career announced. One whose effective month was already paid at the
    old coefficient yields arrears (补发) or a recovery in the next run, which settles it."""

    __tablename__ = "grade_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    effective_date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int] = mapped_column(Integer)
    coefficient_e4: Mapped[int] = mapped_column(Integer)
    previous_coefficient_e4: Mapped[int | None] = mapped_column(Integer)
    example: Mapped[bool] = mapped_column(Boolean)
    settled_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_grade_changes_worker_id", "worker_id", "effective_date"),)


class Qualification(Base):
    """Qualifications as training announced them; kept apart from the worker row so one
    that arrives before the registration is not lost."""

    __tablename__ = "qualifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    level: Mapped[str] = mapped_column(String(16))
    obtained_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("worker_id", "level"),)
