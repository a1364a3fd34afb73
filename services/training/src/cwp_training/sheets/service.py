"""Excel use cases: bulk enrolment and attendance from sheets (row-level errors, and
nothing written while any row is bad), the certificate list and the compliance report
as workbooks. The imports run the same checks as the JSON endpoints."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.scope import region_clause
from cwp_training.classes import service as classes
from cwp_training.classes.exceptions import BadRows
from cwp_training.classes.repository import ClassRepository
from cwp_training.classes.schemas import AttendanceRow, BulkEnrolled
from cwp_training.compliance.models import Obligation
from cwp_training.compliance.service import effective_region, region_compliance
from cwp_training.qualifications.models import Qualification
from cwp_training.qualifications.repository import QualificationRepository
from cwp_training.sheets import rules
from cwp_training.workers.models import Worker


async def class_in_scope(session: AsyncSession, principal: Principal, class_id: uuid.UUID) -> None:
    """A class outside the caller's region is not found, whatever the upload holds."""
    async with session.begin():
        await ClassRepository(session, principal).get_or_404(class_id)


def _parsed(data: bytes, needed: list[str]) -> rules.Parsed:
    parsed = rules.read(data, needed)
    if parsed.errors:
        raise BadRows(parsed.errors)
    return parsed


async def import_enrolments(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, data: bytes, waitlist: bool
) -> BulkEnrolled:
    parsed = _parsed(data, ["worker_id"])
    async with session.begin():
        return await classes.enrol_many(
            session,
            principal,
            class_id,
            [r["worker_id"] for r in parsed.rows],
            waitlist,
            row_numbers=[r["row"] for r in parsed.rows],
        )


async def import_attendance(
    session: AsyncSession, principal: Principal, class_id: uuid.UUID, data: bytes
) -> int:
    parsed = _parsed(data, ["worker_id", "day", "minutes"])
    rows = [
        AttendanceRow(worker_id=r["worker_id"], day=r["day"], minutes=r["minutes"])
        for r in parsed.rows
    ]
    async with session.begin():
        return await classes.record_attendance(
            session, principal, class_id, rows, row_numbers=[r["row"] for r in parsed.rows]
        )


async def certificates(session: AsyncSession, principal: Principal, region: str | None) -> bytes:
    """Every qualification of the workers now in the region (default the caller's):
    worker, community, level, date, certificate number, and whether the latest
    registration period has expired."""
    place = effective_region(principal, region)
    today = today_in_china()
    latest = (
        select(Obligation.qualification_id, func.max(Obligation.period_end).label("end"))
        .where(Obligation.kind == "continuing_education")
        .group_by(Obligation.qualification_id)
        .subquery()
    )
    repo = QualificationRepository(session, principal)
    stmt = (
        repo.scope(
            select(
                Qualification.worker_id,
                Worker.name,
                Worker.community_code,
                Qualification.level,
                Qualification.obtained_on,
                Qualification.certificate_no,
                Qualification.source,
                latest.c.end,
            )
        )
        .join(Worker, Worker.worker_id == Qualification.worker_id)
        .outerjoin(latest, latest.c.qualification_id == Qualification.id)
        .where(region_clause(Worker.community_code, place))
        .order_by(Worker.community_code, Qualification.worker_id, Qualification.level)
    )
    result = await session.stream(stmt)

    def row(r: tuple[object, ...]) -> list[object]:
        end = r[7]
        state = (
            ""
            if end is None
            else ("已过期 expired" if isinstance(end, date) and end < today else "有效 active")
        )
        return [str(r[0]), r[1], r[2], r[3], r[4], r[5] or "", r[6], end, state]

    lines = [row(tuple(r)) async for r in result]
    return rules.write(
        "证书 certificates",
        [
            "worker_id",
            "姓名 name",
            "社区 community",
            "等级 level",
            "取得日期 obtained_on",
            "证书编号 certificate_no",
            "来源 source",
            "登记期满 registration_end",
            "登记状态 registration",
        ],
        lines,
    )


async def compliance_report(
    session: AsyncSession, principal: Principal, region: str | None, as_of: date
) -> bytes:
    out = await region_compliance(session, principal, region, as_of)
    header = [
        "区域 region",
        "人数 workers",
        "达标 compliant",
        "应修学时 hours_due",
        "已修学时 hours_done",
        "缺口 shortfall",
    ]
    lines = [
        [
            out.region + " (合计 total)",
            out.workers,
            out.workers_compliant,
            out.hours_due,
            out.hours_done,
            out.shortfall,
        ]
    ]
    lines += [
        [s.region, s.workers, s.workers_compliant, s.hours_due, s.hours_done, s.shortfall]
        for s in out.by_region
    ]
    return rules.write(f"学时达标 {as_of.isoformat()}", header, lines)
