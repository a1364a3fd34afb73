"""Annual one-off bonus lines (全年一次性奖金): an amount for a worker, entered by staff,
paid by the run of the month it names. Taxed separately or with the month's wages, as
the worker chose, while the separate option is in force (REFERENCE §3.6)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_payroll.db import Base


class BonusLine(Base):
    __tablename__ = "bonus_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The worker's community when entered: the line's scope.
    community_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[int] = mapped_column(Integer)  # yyyymm of the run that pays it
    amount: Mapped[int] = mapped_column(BigInteger)  # fen
    note: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # One bonus a worker a month: a correction deletes the line and enters it again.
    __table_args__ = (UniqueConstraint("worker_id", "period"),)
