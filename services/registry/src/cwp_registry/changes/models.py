from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_registry.db import Base


class Change(Base):
    """One event of the registry, kept for the feed with the communities it concerns.

    The feed is ordered by seq, and seq order is commit order: the transactions that
    write changes take one lock before their first row and keep it to their commit
    (recorder.publish; SQLite serialises writers anyway), so a change can never commit
    behind a cursor already handed out."""

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(64))
    community_code: Mapped[str] = mapped_column(String(12))
    from_community_code: Mapped[str | None] = mapped_column(String(12))  # transfers
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
