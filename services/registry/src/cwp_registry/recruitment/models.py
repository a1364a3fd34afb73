from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_registry.db import Base


class RecruitmentRound(Base):
    """A recruitment round (选聘批次) of one jurisdiction and year, with its conditions
    (as data), its application window and its publicity rule."""

    __tablename__ = "recruitment_rounds"
    __table_args__ = (Index("ix_recruitment_rounds_jurisdiction", "jurisdiction", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    jurisdiction: Mapped[str] = mapped_column(String(12))  # division prefix that organises
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON)
    written_weight_pct: Mapped[int] = mapped_column(Integer)  # interview: the rest
    written_pass_mark: Mapped[int | None] = mapped_column(Integer)  # hundredths of a point
    publicity_working_days: Mapped[int] = mapped_column(Integer)
    apply_from: Mapped[date] = mapped_column(Date)
    apply_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # draft | announced
    announced_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecruitmentPost(Base):
    """Posts and quota of one community in a round; its own conditions override the
    round's (a secretary's post may require Party membership)."""

    __tablename__ = "recruitment_posts"
    __table_args__ = (Index("ix_recruitment_posts_round", "round_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    round_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recruitment_rounds.id"))
    community_code: Mapped[str] = mapped_column(String(12), ForeignKey("communities.code"))
    position: Mapped[str] = mapped_column(String(32))
    quota: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Application(Base):
    """One person's application to one post. The ID number is personal data, kept as
    the workers' are: encrypted (bound to the row id) with a keyed hash for uniqueness."""

    __tablename__ = "recruitment_applications"
    __table_args__ = (
        Index("uq_recruitment_applications_person", "round_id", "id_number_hash", unique=True),
        Index("ix_recruitment_applications_post", "post_id", "state"),
        Index("ix_recruitment_applications_community", "community_code", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    round_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recruitment_rounds.id"))
    post_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recruitment_posts.id"))
    community_code: Mapped[str] = mapped_column(String(12))  # the post's: the scope
    name: Mapped[str] = mapped_column(String(50))
    id_number_cipher: Mapped[str] = mapped_column(String(200))
    id_number_hash: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(11))
    education: Mapped[str] = mapped_column(String(32))
    degree: Mapped[str | None] = mapped_column(String(16))
    political_status: Mapped[str] = mapped_column(String(32))
    residence_code: Mapped[str | None] = mapped_column(String(12))
    experience_years: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))  # staff | mobile
    state: Mapped[str] = mapped_column(String(24))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"condition", "met"}]
    written_score: Mapped[int | None] = mapped_column(Integer)  # hundredths of a point
    interview_score: Mapped[int | None] = mapped_column(Integer)
    total_score: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    publicity_start: Mapped[date | None] = mapped_column(Date)
    publicity_end: Mapped[date | None] = mapped_column(Date)
    open_objections: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("workers.id"))
    contract_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApplicationStep(Base):
    """Each step of an application: who decided, when, and with what outcome."""

    __tablename__ = "recruitment_steps"
    __table_args__ = (Index("ix_recruitment_steps_application", "application_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("recruitment_applications.id")
    )
    step: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))  # the state it led to, or "recorded"
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # scores, rank, reasons, dates
    on: Mapped[date] = mapped_column(Date)  # the day it happened (exam day, ...)
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
