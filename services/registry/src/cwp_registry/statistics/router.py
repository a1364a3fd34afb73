from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cwp_common.auth import Reader
from cwp_common.formats import IsoDate
from cwp_common.service import SessionDep
from cwp_registry.statistics import export, service
from cwp_registry.statistics.schemas import StatisticsOut

router = APIRouter(prefix="/api/v1/registry/statistics", tags=["statistics"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Region = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{0,12}$", description="division-code prefix; your region when absent"),
]
AsOf = Annotated[
    IsoDate | None, Query(description="as the registry held it at the end of this day")
]
Months = Annotated[int, Query(ge=1, le=120, description="months of trend, ending with as_of's")]


@router.get("")
async def statistics(
    principal: Reader,
    session: SessionDep,
    region: Region = None,
    as_of: AsOf = None,
    months: Months = 12,
) -> StatisticsOut:
    """Headcount, staffing ratios against the national and local targets, vacancies,
    distributions, monthly flows and sub-regions, read from aggregate counts the
    registry keeps current with every write."""
    return await service.report(session, principal, region, as_of, months)


@router.get(
    ".xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "the report as a workbook"}},
)
async def statistics_workbook(
    principal: Reader,
    session: SessionDep,
    region: Region = None,
    as_of: AsOf = None,
    months: Months = 12,
) -> Response:
    report = await service.report(session, principal, region, as_of, months)
    name = f"workforce-{report.region or 'national'}-{report.as_of.isoformat()}.xlsx"
    return Response(
        export.workbook(report),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
