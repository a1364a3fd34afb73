"""Excel endpoints. Uploads are the raw .xlsx body (Content-Type
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet); a header row names
the columns. Any bad row refuses the whole sheet with row-level errors."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cwp_common.auth import Reader, Writer
from cwp_common.clock import today_in_china
from cwp_common.formats import IsoDate
from cwp_common.problems import InvalidInput, ProblemError
from cwp_common.service import SessionDep, TransactionSessionDep
from cwp_training.classes.schemas import AttendanceRecorded, BulkEnrolled
from cwp_training.compliance.schemas import RegionLevel
from cwp_training.sheets import rules, service

router = APIRouter(prefix="/api/v1/training", tags=["sheets"])

UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {rules.XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}
# What an upload may answer besides the route's own: the body's type and size.
UPLOAD_REFUSED: dict[int | str, dict[str, Any]] = {
    413: {"description": "The workbook is larger than the upload limit"},
    415: {"description": "The body is not an .xlsx workbook (not-a-sheet)"},
}
DOWNLOAD: dict[Any, dict[str, Any]] = {
    200: {"content": {rules.XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}


class NotASheet(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            415,
            "not-a-sheet",
            "Unsupported media type",
            "Send an .xlsx workbook as the body, Content-Type " + rules.XLSX + " / 请上传xlsx文件",
        )


async def _sheet(request: Request) -> bytes:
    if request.headers.get("content-type", "").split(";")[0].strip() != rules.XLSX:
        raise NotASheet()
    return await request.body()


def _unreadable(exc: rules.UnreadableSheet) -> InvalidInput:
    return InvalidInput(
        "file",
        "The workbook cannot be read, lacks a needed column (see the docs) or has over "
        "20,000 rows / 无法读取工作簿、缺少必需列或超过20000行",
        slug="unreadable-sheet",
    )


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=rules.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/classes/{class_id}/enrolments/sheet",
    response_model=BulkEnrolled,
    openapi_extra=UPLOAD,
    responses={
        **UPLOAD_REFUSED,
        409: {"description": "The class has too few free places (class-full)"},
    },
)
async def enrol_from_sheet(
    class_id: uuid.UUID,
    request: Request,
    principal: Writer,
    session: SessionDep,
    waitlist: bool = False,
) -> BulkEnrolled:
    """Enrol the workers listed in a sheet (column worker_id / 工作者ID)."""
    await service.class_in_scope(session, principal, class_id)  # 404 before any 415
    data = await _sheet(request)
    try:
        return await service.import_enrolments(session, principal, class_id, data, waitlist)
    except rules.UnreadableSheet as exc:
        raise _unreadable(exc) from None


@router.post(
    "/classes/{class_id}/attendance/sheet",
    status_code=201,
    response_model=AttendanceRecorded,
    openapi_extra=UPLOAD,
    responses=UPLOAD_REFUSED,
)
async def attendance_from_sheet(
    class_id: uuid.UUID, request: Request, principal: Writer, session: SessionDep
) -> AttendanceRecorded:
    """Attendance from a sheet (columns worker_id, day, minutes / 工作者ID, 日期, 分钟)."""
    await service.class_in_scope(session, principal, class_id)  # 404 before any 415
    data = await _sheet(request)
    try:
        return AttendanceRecorded(
            recorded=await service.import_attendance(session, principal, class_id, data)
        )
    except rules.UnreadableSheet as exc:
        raise _unreadable(exc) from None


@router.get("/qualifications/sheet", response_class=Response, responses=DOWNLOAD)
async def certificates_sheet(
    principal: Reader,
    session: TransactionSessionDep,
    region: Annotated[str | None, Query(pattern=r"^\d{0,12}$")] = None,
) -> Response:
    """The certificate list of a region as a workbook."""
    return _xlsx(await service.certificates(session, principal, region), "certificates.xlsx")


@router.get("/compliance/sheet", response_class=Response, responses=DOWNLOAD)
async def compliance_sheet(
    principal: Reader,
    session: SessionDep,
    region: RegionLevel = None,
    as_of: IsoDate | None = None,
) -> Response:
    """The compliance report of a region (and its sub-regions) as a workbook."""
    day = as_of or today_in_china()
    return _xlsx(
        await service.compliance_report(session, principal, region, day), f"compliance-{day}.xlsx"
    )
