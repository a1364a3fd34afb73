"""Hour requirements published by a jurisdiction, and the obligations a worker holds
personally (pre-service training; continuing education of a registration period)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class Requirement(Base):
    """Required hours per (jurisdiction, position, period), published by a jurisdiction;
    it overrides the shipped policy data of the same or a wider jurisdiction."""

    __tablename__ = "requirements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    position: Mapped[str | None] = mapped_column(String(32))  # None: every position
    period: Mapped[str] = mapped_column(String(16))  # yearly | three_year
    hours: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    cycle_start_year: Mapped[int] = mapped_column(Integer, default=2024)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("jurisdiction", "position", "period", "effective_from"),)


class Obligation(Base):
    """Hours one worker owes in a window of their own: pre-service training from the
    hire, or continuing education in a 3-year registration period of a qualification
    (a registration period IS such an obligation)."""

    __tablename__ = "obligations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(24))  # pre_service | continuing_education
    level: Mapped[str | None] = mapped_column(String(16))  # the qualification's level
    qualification_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    hours_due: Mapped[int] = mapped_column(Integer)
    # Minutes of the worker's ledger dated inside the window, kept by every ledger write
    # (classes.writer.credit) and set from the ledger when the obligation is made.
    minutes_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_obligations_worker", "worker_id", "period_start"),
        Index("ix_obligations_end", "period_end"),
    )


class ShortfallNotice(Base):
    """A shortfall already announced for one of a worker's periods, so the daily job
    announces each unmet period once."""

    __tablename__ = "shortfall_notices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(24))
    period_start: Mapped[date] = mapped_column(Date)
    notified_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("worker_id", "kind", "period_start"),)
