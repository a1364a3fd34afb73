"""Social-work qualifications (社会工作者职业资格) a worker holds, recorded from a
certificate or granted here when the exam rules are met."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class Qualification(Base):
    __tablename__ = "qualifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    level: Mapped[str] = mapped_column(String(16))  # assistant | intermediate | senior
    obtained_on: Mapped[date] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # certificate | exam
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("worker_id", "level"),
        Index("ix_qualifications_level", "level", "worker_id"),
    )
