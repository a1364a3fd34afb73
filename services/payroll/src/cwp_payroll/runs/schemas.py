"""Payroll run requests and answers; money as decimal strings."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from cwp_common.formats import JsonBool
from cwp_payroll.money import yuan
from cwp_payroll.runs.compute import period_text
from cwp_payroll.runs.models import Run, RunChunk, RunFailure
from cwp_payroll.runs.rules import REASONS

PERIOD_TEXT = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _period(value: Any) -> int:
    if not isinstance(value, str) or not (m := PERIOD_TEXT.fullmatch(value)):
        raise ValueError('a period is "YYYY-MM" / 期间格式为 YYYY-MM')
    return int(m.group(1)) * 100 + int(m.group(2))


Period = Annotated[
    int,
    BeforeValidator(_period),
    WithJsonSchema({"type": "string", "pattern": PERIOD_TEXT.pattern, "example": "2025-03"}),
]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A province, city, district, street or community: a division-code prefix.
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^\d{2,12}$")]
    period: Period
    # Pay the year-end performance pay as the annual one-off bonus in this run.
    annual_bonus: JsonBool = False


class Progress(BaseModel):
    chunks_total: int
    chunks_done: int
    chunks_failed: int  # given up after they kept failing: GET .../chunks?state=failed
    chunks_left: int
    payslips: int
    failures: int
    elapsed_seconds: float
    payslips_per_second: float
    eta_seconds: float | None


class RunOut(BaseModel):
    id: uuid.UUID
    jurisdiction: str
    period: str
    state: str
    status: str
    attempt: int
    annual_bonus: JsonBool
    progress: Progress
    gross: str
    net: str
    tax: str
    employer_cost: str
    started_at: datetime
    finished_at: datetime | None
    created_by: str
    approved_by: str | None
    locked_by: str | None

    @classmethod
    def from_model(cls, r: Run, now: datetime) -> RunOut:
        end = r.finished_at or now
        elapsed = max((end - r.started_at).total_seconds(), 1e-6)
        left = max(r.chunks_total - r.chunks_done - r.chunks_failed, 0)
        eta = (
            0.0
            if left == 0
            else (round(elapsed / r.chunks_done * left, 1) if r.chunks_done else None)
        )
        return cls(
            id=r.id,
            jurisdiction=r.jurisdiction,
            period=period_text(r.period),
            state=r.state,
            status=r.status,
            attempt=r.attempt,
            annual_bonus=r.annual_bonus,
            progress=Progress(
                chunks_total=r.chunks_total,
                chunks_done=r.chunks_done,
                chunks_failed=r.chunks_failed,
                chunks_left=left,
                payslips=r.payslips,
                failures=r.failures,
                elapsed_seconds=round(elapsed, 3),
                payslips_per_second=round(r.payslips / elapsed, 1),
                eta_seconds=eta,
            ),
            gross=yuan(r.gross),
            net=yuan(r.net),
            tax=yuan(r.tax),
            employer_cost=yuan(r.employer_cost),
            started_at=r.started_at,
            finished_at=r.finished_at,
            created_by=r.created_by,
            approved_by=r.approved_by,
            locked_by=r.locked_by,
        )


class FailureOut(BaseModel):
    worker_id: uuid.UUID
    community_code: str
    reason: str
    message: str

    @classmethod
    def from_model(cls, f: RunFailure) -> FailureOut:
        return cls(
            worker_id=f.worker_id,
            community_code=f.community_code,
            reason=f.reason,
            message=REASONS.get(f.reason, f.reason),
        )


class ChunkOut(BaseModel):
    key: str
    state: str  # pending | done | failed
    attempt: int
    deliveries: int
    reason: str | None  # why it failed: the error's type, never its values
    payslips: int
    failures: int

    @classmethod
    def from_model(cls, c: RunChunk) -> ChunkOut:
        return cls(
            key=c.key,
            state=c.state,
            attempt=c.attempt,
            deliveries=c.deliveries,
            reason=c.reason,
            payslips=c.payslips,
            failures=c.failures,
        )
