from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class IdCheckWindow(Base):
    """How many checks one account made in one fixed window (epoch seconds of its start).
    The limit weighs the previous window in (a sliding-window estimate)."""

    __tablename__ = "id_check_windows"

    account: Mapped[str] = mapped_column(String(160), primary_key=True)  # "user:alice"
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    checks: Mapped[int]


class IdCheckAudit(Base):
    """Who checked an ID number, when, how, and what came of it. Never the number: at
    most its keyed hash, the same one the workers table holds."""

    __tablename__ = "id_check_audit"
    __table_args__ = (Index("ix_id_check_audit_account_at", "account", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    account: Mapped[str] = mapped_column(String(160))
    region: Mapped[str] = mapped_column(String(12))  # the caller's scope at the time
    action: Mapped[str] = mapped_column(String(32))  # lookup, register, birth-date-rule
    # found, not-found, created, duplicate, passed, failed, rate-limited
    outcome: Mapped[str] = mapped_column(String(32))
    worker_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
