from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base

ACTIVE = text("status = 'active'")


class LabourContract(Base):
    """A labour contract between a worker and the street office or town (劳动合同).
    Renewals link to the contract they continue, so the chain with one employer (for
    the open-ended rule) is a walk back through `previous_id`."""

    __tablename__ = "labour_contracts"
    __table_args__ = (
        # At most one current contract per worker.
        Index(
            "uq_labour_contracts_active_worker",
            "worker_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("ix_labour_contracts_worker_id", "worker_id", "start_date"),
        # The expiry reminder walks active contracts by end date.
        Index("ix_labour_contracts_status_end", "status", "end_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    previous_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("labour_contracts.id"))
    employer_code: Mapped[str] = mapped_column(String(9))  # township-level division code
    employer_kind: Mapped[str] = mapped_column(String(16))  # street | township
    employer_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # fixed_term | open_ended
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    probation_months: Mapped[int]
    probation_end_date: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date] = mapped_column(Date)
    worker_requested_fixed_term: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))  # active | renewed | ended
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    reminded_on: Mapped[date | None] = mapped_column(Date)  # expiry reminder sent
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InsuranceEnrolment(Base):
    """Enrolment in one social-insurance scheme or the housing fund (五险一金; maternity
    insurance is merged into medical since 国办发〔2019〕10号)."""

    __tablename__ = "insurance_enrolments"
    __table_args__ = (Index("ix_insurance_enrolments_worker", "worker_id", "scheme"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    scheme: Mapped[str] = mapped_column(String(24))
    insured_place: Mapped[str] = mapped_column(String(6))  # GB/T 2260 code of the fund
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Monthly contribution base in fen (exact), when the record carries it.
    contribution_base_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
