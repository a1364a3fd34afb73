from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, UploadFile

from cwp_common.auth import Principal, Reader, Writer
from cwp_common.problems import Forbidden
from cwp_common.service import RuntimeDep, SessionDep, TransactionSessionDep
from cwp_registry.imports import service
from cwp_registry.imports.columns import template
from cwp_registry.imports.schemas import ImportJobOut
from cwp_registry.workers.router import Pii

router = APIRouter(prefix="/api/v1/registry/imports", tags=["imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def pii_writer(principal: Writer) -> Principal:
    """An import checks every ID number of the file against the national registry and
    its error report gives the rows back: it needs the pii role as well as write."""
    if not principal.sees_pii:
        raise Forbidden("Importing workers needs the pii role / 批量导入需要个人信息权限")
    return principal


PiiWriter = Annotated[Principal, Depends(pii_writer)]


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "",
    status_code=202,
    responses={415: {"description": "Only .xlsx and .csv files are accepted"}},
)
async def start_import(
    file: UploadFile,
    request: Request,
    principal: PiiWriter,
    session: SessionDep,
    runtime: RuntimeDep,
    pii: Pii,
    dry_run: bool = False,
) -> ImportJobOut:
    """Start importing an .xlsx or .csv of workers (multipart field `file`). The file's
    type, headers, merged cells and row count are checked before the 202; the rows are
    then checked and upserted by ID number in the background."""
    job = await service.start(
        runtime.sessions,
        session,
        principal,
        pii,
        request.app.state.settings,
        file.filename or "",
        file.file,
        dry_run,
    )
    return ImportJobOut.from_model(job)


# Before /{job_id} so "template.xlsx" is never read as an id.
@router.get("/template.xlsx", response_class=Response)
async def import_template(principal: Reader) -> Response:
    return _xlsx(template(), "workers-import-template.xlsx")


@router.get("/{job_id}")
async def get_import(job_id: uuid.UUID, principal: Reader, session: SessionDep) -> ImportJobOut:
    return ImportJobOut.from_model(await service.get(session, principal, job_id))


@router.get("/{job_id}/errors.xlsx", response_class=Response)
async def import_errors(
    job_id: uuid.UUID, principal: PiiWriter, session: TransactionSessionDep, pii: Pii
) -> Response:
    """The rejected rows as sent, with the reason beside each."""
    return _xlsx(
        await service.errors_report(session, principal, pii, job_id), f"import-{job_id}-errors.xlsx"
    )
