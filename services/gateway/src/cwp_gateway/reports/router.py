"""/api/v1/reports: the list of reports, and each report as .xlsx or .pdf for a region
(default: the caller's) and a date (default: today), for API callers with a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cwp_common.auth import Reader, bearer_token
from cwp_common.formats import IsoDate
from cwp_gateway.dashboard.sources import sources_of
from cwp_gateway.reports.catalogue import REPORTS
from cwp_gateway.reports.schemas import ReportList, ReportOut
from cwp_gateway.reports.service import render_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
FILES = {
    200: {
        "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            "application/pdf": {},
        },
        "description": "The report file",
    }
}


@router.get("")
async def list_reports(principal: Reader) -> ReportList:
    return ReportList(items=[ReportOut.from_model(r) for r in REPORTS.values()])


@router.get("/{name}.{fmt}", response_class=Response, responses=FILES)  # type: ignore[arg-type]
async def get_report(
    request: Request,
    principal: Reader,
    name: str,
    fmt: str,
    region: Annotated[str | None, Query(max_length=12)] = None,
    as_of: IsoDate | None = None,
) -> Response:
    """`region` defaults to the caller's scope, `as_of` to today; a past date reads the
    figures as they stood then. 503 when the service holding the figures is absent."""
    return await render_report(
        sources_of(request), principal, bearer_token(request), name, fmt, region, as_of
    )
