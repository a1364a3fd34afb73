from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class DutyRule(Base):
    """A daily work rule as a jurisdiction defines it (日常工作制度: office hours, on-call
    and night duty, grid patrols...), dated."""

    __tablename__ = "duty_rules"
    __table_args__ = (Index("ix_duty_rules_jurisdiction", "jurisdiction", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(500))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyRecord(Base):
    """A worker's duty on a day, under the rule in force for their community."""

    __tablename__ = "duty_records"
    __table_args__ = (Index("ix_duty_records_worker", "worker_id", "on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    rule_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("duty_rules.id"))
    kind: Mapped[str] = mapped_column(String(24))
    on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConductRecord(Base):
    """A reward or a disciplinary measure (奖励惩戒)."""

    __tablename__ = "conduct_records"
    __table_args__ = (Index("ix_conduct_records_worker", "worker_id", "decided_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # reward | discipline
    category: Mapped[str] = mapped_column(String(24))
    decided_on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
