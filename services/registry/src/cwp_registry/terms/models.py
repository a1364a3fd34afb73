from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class PostTerm(Base):
    """One term of office in an elected post; open while ended_on is None."""

    __tablename__ = "post_terms"
    __table_args__ = (Index("ix_post_terms_worker_id", "worker_id", "term_start"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    community_code: Mapped[str] = mapped_column(String(12))
    position: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(String(24))  # residents_committee, party_organisation
    term_start: Mapped[date] = mapped_column(Date)
    due_end: Mapped[date] = mapped_column(Date)  # the next election falls due
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
