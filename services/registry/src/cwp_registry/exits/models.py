from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base

OPEN = text("status = 'open'")


class ExitCase(Base):
    """An exit to decide (退出机制): opened by career's recommendation after failing
    assessments, confirmed (performing the worker's exit) or dismissed by a person."""

    __tablename__ = "exit_cases"
    __table_args__ = (
        # One open case per worker: a repeated recommendation joins it.
        Index(
            "uq_exit_cases_open_worker",
            "worker_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    source_event_id: Mapped[str] = mapped_column(String(64))
    recommended_reason: Mapped[str] = mapped_column(String(120))  # career's words
    failing_years: Mapped[list[int]] = mapped_column(JSON)
    tracks: Mapped[list[str]] = mapped_column(JSON)  # contract, elected, party, staff
    status: Mapped[str] = mapped_column(String(16))  # open | confirmed | dismissed
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    exit_date: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
