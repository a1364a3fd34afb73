"""The catalogue: courses, training and practice bases, the trainer pool (培训师智库)
with trainees' ratings, and the resource library (资源库). Each row belongs to the
jurisdiction that owns it (a division-code prefix; "" is national)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, SmallInteger, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # national ... street (分级培训)
    delivery: Mapped[str] = mapped_column(String(16))  # in_person | online | blended
    method: Mapped[str] = mapped_column(String(24))  # case_teaching | simulation | ...
    # Ability topics, stored ",a,b," so one topic is found with LIKE '%,a,%'.
    topics: Mapped[str] = mapped_column(String(300))
    hours: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Retired (soft): gone from lists and closed to new classes, kept for the classes
    # and ratings that name it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_courses_jurisdiction", "jurisdiction", "id"),)


class TrainingBase(Base):
    """A training base (培训基地) or a practice base at a community (实习实践基地)."""

    __tablename__ = "bases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # training | practice
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(12))
    location_code: Mapped[str] = mapped_column(String(12))  # the community or street it is at
    address: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Retired (soft): gone from lists and closed to new classes, kept for the classes
    # and ratings that name it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Trainer(Base):
    __tablename__ = "trainers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    affiliation: Mapped[str] = mapped_column(String(200))
    expertise: Mapped[str] = mapped_column(String(300))  # ",topic,topic,"
    jurisdiction: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Retired (soft): gone from lists and closed to new classes, kept for the classes
    # and ratings that name it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrainerRating(Base):
    """A trainee's rating (1-5) of a trainer who taught a class they attended."""

    __tablename__ = "trainer_ratings"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    trainer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("trainer_id", "class_id", "worker_id"),)


class Resource(Base):
    """A resource-library item: metadata and a link, never the file itself."""

    __tablename__ = "resources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # material | case | video
    topics: Mapped[str] = mapped_column(String(300))  # ",topic,topic,"
    url: Mapped[str] = mapped_column(String(500))
    jurisdiction: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
