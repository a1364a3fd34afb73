from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base

NOT_EXITED = text("status != 'exited'")


class Worker(Base):
    __tablename__ = "workers"
    __table_args__ = (
        # One current registration per person; an exited record may repeat the number.
        Index(
            "uq_workers_current_id_number",
            "id_number_hash",
            unique=True,
            sqlite_where=NOT_EXITED,
            postgresql_where=NOT_EXITED,
        ),
        # Lists by community or region walk this in id (creation) order.
        Index("ix_workers_community_code_id", "community_code", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(50))
    id_number_cipher: Mapped[str] = mapped_column(String(200))  # "v<key version>:<base64>"
    id_number_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256, hex
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    community_code: Mapped[str] = mapped_column(String(12), ForeignKey("communities.code"))
    position: Mapped[str] = mapped_column(String(32))
    employment_type: Mapped[str] = mapped_column(String(32))
    education: Mapped[str] = mapped_column(String(32))  # 学历
    degree: Mapped[str | None] = mapped_column(String(16))  # 学位; None: none awarded
    # When the current main post began (a term of office counts from here). Nullable only
    # so the column could be added to existing tables; the migration fills it from
    # hire_date and every write sets it.
    position_since: Mapped[date] = mapped_column(Date, nullable=True)
    # Posts held besides the main one (书记兼主任, 交叉任职): [{"position", "since"}].
    concurrent_posts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, server_default=text("'[]'")
    )
    political_status: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(11))
    hire_date: Mapped[date] = mapped_column(Date)
    service_start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    exit_date: Mapped[date | None] = mapped_column(Date)
    exit_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerTransfer(Base):
    """History of moves between communities (调动)."""

    __tablename__ = "worker_transfers"
    __table_args__ = (Index("ix_worker_transfers_worker_id", "worker_id", "effective_date"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workers.id"))
    from_community_code: Mapped[str] = mapped_column(String(12), ForeignKey("communities.code"))
    to_community_code: Mapped[str] = mapped_column(String(12), ForeignKey("communities.code"))
    effective_date: Mapped[date] = mapped_column(Date)
    service_years_carried: Mapped[bool]
    previous_service_start_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(slots=True)
class NewWorker:
    """A checked registration's row before it is written: the ORM object of a single
    registration is made from it (`Worker(**values)`), and the bulk import writes many
    past the identity map (COPY on PostgreSQL). Attribute names are the columns'."""

    id: uuid.UUID
    name: str
    id_number_cipher: str
    id_number_hash: str
    sex: str
    birth_date: date
    community_code: str
    position: str
    employment_type: str
    education: str
    degree: str | None
    position_since: date
    concurrent_posts: list[dict[str, Any]]
    political_status: str
    phone: str | None
    hire_date: date
    service_start_date: date
    status: str
    created_at: datetime
    updated_at: datetime
    retirement_date: date  # derived, not stored: computed once at the check


# The stored columns of a NewWorker (all but the derived retirement date).
NEW_WORKER_COLUMNS = tuple(f.name for f in fields(NewWorker) if f.name != "retirement_date")
