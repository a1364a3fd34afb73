"""Pay policy as dated data per jurisdiction, and the reference wage series."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_payroll.db import Base


class PayPolicy(Base):
    """One dated policy document of a jurisdiction (a division-code prefix; "" is the
    national level). `kind`: standard (pay standard: base, split, allowances), insurance
    (social insurance and housing fund rates, base floor and cap) or benchmark (the pay
    floors against the reference wage). The body is the validated JSON document, with
    every amount and rate as a decimal string."""

    __tablename__ = "pay_policies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    effective_date: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("jurisdiction", "kind", "effective_date"),)


class ReferenceWage(Base):
    """An average annual wage (fen) of a division for a year, by kind: non_private
    (城镇非私营单位), private (城镇私营单位) or all_urban (全口径城镇单位)."""

    __tablename__ = "reference_wages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    division: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    annual: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("division", "year", "kind"),)
