"""Published ladder versions: immutable rows, one per jurisdiction and effective date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_career.db import Base
from cwp_career.grading.models import JSONDoc
from cwp_common.db import UTCDateTime


class LadderVersion(Base):
    __tablename__ = "ladders"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(4))
    effective_date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the LadderBody as published
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("jurisdiction", "effective_date"),)
