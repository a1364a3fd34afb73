from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_not_negative"),
        CheckConstraint("households >= 0", name="households_not_negative"),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    urban_rural_code: Mapped[str | None] = mapped_column(String(3))
    population: Mapped[int]  # resident population (常住人口)
    households: Mapped[int]
    # Division codes are withdrawn (已撤销) and reused (REFERENCE §6.1): the row is the
    # code's current or last holder; earlier holders move to community_vintages.
    valid_from: Mapped[date | None] = mapped_column(Date)  # None: before the registry
    valid_to: Mapped[date | None] = mapped_column(Date)  # last day in use; None: current
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommunityVintage(Base):
    """An earlier holder of a division code that a new community now uses."""

    __tablename__ = "community_vintages"
    __table_args__ = (Index("ix_community_vintages_code", "code", "valid_to"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    urban_rural_code: Mapped[str | None] = mapped_column(String(3))
    population: Mapped[int]
    households: Mapped[int]
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
