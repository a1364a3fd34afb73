from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cwp_common.formats import IsoDate
from cwp_common.text import Note, Title
from cwp_registry.supervision.models import Disclosure, EconomicAudit
from cwp_registry.workers.schemas import RawCode

DisclosureKind = Literal["party_affairs", "residents_affairs", "finance"]
Conclusion = Literal["no_issues", "issues_rectified", "issues_found", "referred"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisclosureIn(Strict):
    community_code: RawCode
    kind: DisclosureKind
    title: Title
    period_start: IsoDate
    period_end: IsoDate
    published_on: IsoDate
    channel: Literal["notice_board", "online", "both"]
    note: Note | None = None


class DisclosureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    kind: DisclosureKind
    title: str
    period_start: IsoDate
    period_end: IsoDate
    published_on: IsoDate
    channel: str
    note: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: Disclosure) -> DisclosureOut:
        return cls.model_validate(row)


class AuditIn(Strict):
    position: Literal["party_secretary", "committee_director"]
    kind: Literal["tenure", "departure"]
    period_from: IsoDate
    period_to: IsoDate
    auditor: Title  # the audit office or firm
    started_on: IsoDate
    note: Note | None = None


class AuditConclusionIn(Strict):
    concluded_on: IsoDate
    conclusion: Conclusion
    note: Note | None = None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    position: str
    kind: Literal["tenure", "departure"]
    period_from: IsoDate
    period_to: IsoDate
    auditor: str
    started_on: IsoDate
    concluded_on: IsoDate | None
    conclusion: Conclusion | None
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: EconomicAudit) -> AuditOut:
        return cls.model_validate(row)
