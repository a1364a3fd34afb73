from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class CareRecord(Base):
    """关心关爱: a health check-up (that it took place: no medical findings are kept), a
    visit (走访慰问), an honour or commendation, or a nomination as one of the 两代表一委员.
    The kind-specific fields are in `details`, validated by the kind's schema."""

    __tablename__ = "care_records"
    __table_args__ = (Index("ix_care_records_worker", "worker_id", "kind", "on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # health_check | visit | honour | nomination
    on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
