"""Vocational skill levels (职业技能等级, 五级 level_5 ... 一级 level_1) a worker holds."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_training.db import Base


class SkillLevelRecord(Base):
    __tablename__ = "skill_levels"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    level: Mapped[str] = mapped_column(String(16))
    occupation: Mapped[str] = mapped_column(String(100))  # e.g. 社会工作者 4-07-05-01
    obtained_on: Mapped[date] = mapped_column(Date)
    certificate_no: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("worker_id", "level"),)
