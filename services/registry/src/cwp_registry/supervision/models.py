from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class Disclosure(Base):
    """党务、居务、财务公开: what a community made public, for which period, and when."""

    __tablename__ = "disclosures"
    __table_args__ = (Index("ix_disclosures_community", "community_code", "kind", "period_end"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(String(12), ForeignKey("communities.code"))
    kind: Mapped[str] = mapped_column(String(24))  # party_affairs | residents_affairs | finance
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    published_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))  # notice_board | online | both
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EconomicAudit(Base):
    """经济责任审计 of a community Party secretary or residents' committee director, during
    the term (任中) or on leaving the post (离任)."""

    __tablename__ = "economic_audits"
    __table_args__ = (Index("ix_economic_audits_worker", "worker_id", "period_to"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    position: Mapped[str] = mapped_column(String(32))  # party_secretary | committee_director
    kind: Mapped[str] = mapped_column(String(16))  # tenure | departure
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    auditor: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date] = mapped_column(Date)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    conclusion: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
