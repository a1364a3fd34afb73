"""The career service's projection of worker facts, built from registry and training
events (and skill levels entered here), plus the grade it derives from them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_career.db import Base, ExactDecimal
from cwp_common.db import UTCDateTime


class Worker(Base):
    __tablename__ = "workers"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    community_code: Mapped[str] = mapped_column(String(12))
    position: Mapped[str] = mapped_column(String(32))
    position_since: Mapped[date] = mapped_column(Date)  # start of the current post
    community_since: Mapped[date] = mapped_column(Date)  # start in the current community
    education: Mapped[str] = mapped_column(String(32))  # 学历
    degree: Mapped[str | None] = mapped_column(String(16))  # 学位
    # Posts held besides the main one, "position@since;...", as the registry reports them.
    concurrent_posts: Mapped[str] = mapped_column(String(200), default="")
    employment_type: Mapped[str | None] = mapped_column(String(32))
    # When the worker reaches the statutory retirement age (from the registry; derived
    # from the birth date, so never shown): service stops counting there.
    retirement_date: Mapped[date | None] = mapped_column(Date)
    # A grade kept from a move (the receiving ladder's keep_grade rule, 省内互认): a floor
    # until the post changes.
    grade_floor: Mapped[int | None] = mapped_column(Integer)
    # Service counts again from here after a move whose receiving ladder resets it.
    counted_from: Mapped[date | None] = mapped_column(Date)
    qualification: Mapped[str | None] = mapped_column(String(16))  # highest social-work level
    skill_level: Mapped[str | None] = mapped_column(String(16))  # highest skill level
    hire_date: Mapped[date] = mapped_column(Date)
    service_start_date: Mapped[date] = mapped_column(Date)
    # Assessed years whose confirmed result does not count toward service years: "2023,2025".
    uncounted_years: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[int | None]
    pay_coefficient: Mapped[Decimal | None] = mapped_column(ExactDecimal(10, 4))
    ladder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    grade_effective_date: Mapped[date | None] = mapped_column(Date)
    next_step_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by every write, ORM or set-based: a mass regrade reads without locking and
    # writes only the rows still at the version it read (optimistic concurrency).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own name)
    # One index besides the key: the region range, in worker order, which also serves the
    # keyset of a mass regrade. Grade and category are filtered within the region range;
    # leaving them unindexed keeps a province-wide regrade's UPDATEs cheap.
    __table_args__ = (Index("ix_workers_community_code", "community_code", "worker_id"),)


class ProfessionalLevel(Base):
    """Each social-work qualification or skill level a worker obtained. Kept apart from
    the worker row so a qualification that arrives before the registration is not lost."""

    __tablename__ = "professional_levels"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # "qualification" | "skill"
    level: Mapped[str] = mapped_column(String(16))
    obtained_date: Mapped[date] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("worker_id", "kind", "level"),)
