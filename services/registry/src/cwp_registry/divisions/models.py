from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_registry.db import Base


class Division(Base):
    """A city (4 digits), district (6) or street (9) and its current name. Provinces
    are named by shipped data; communities are records of their own."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
