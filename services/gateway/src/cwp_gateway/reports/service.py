"""Making a report: check the request, fetch its figures with the caller's token, lay
them out as Excel or PDF."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.responses import Response

from cwp_common.auth import Principal
from cwp_common.clock import CHINA_TZ, today_in_china
from cwp_gateway.dashboard import regions
from cwp_gateway.dashboard.sources import Sources
from cwp_gateway.reports import excel, pdf
from cwp_gateway.reports.catalogue import REPORTS
from cwp_gateway.reports.exceptions import (
    BadRegion,
    FutureDate,
    PartUnavailable,
    RegionOutOfScope,
    UnknownReport,
)
from cwp_gateway.reports.header import Header
from cwp_gateway.reports.tables import BUILDERS

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", excel.workbook),
    "pdf": ("application/pdf", pdf.document),
}


async def render_report(
    sources: Sources,
    principal: Principal,
    token: str,
    name: str,
    fmt: str,
    region: str | None,
    as_of: date | None,
) -> Response:
    report = REPORTS.get(name)
    if report is None or fmt not in FORMATS:
        raise UnknownReport()
    code = principal.region if region is None else region
    if not regions.is_region(code) and code != principal.region:
        raise BadRegion()
    if not regions.within(code, principal.region):
        raise RegionOutOfScope()
    today = today_in_china()
    day = as_of or today
    if day > today:
        raise FutureDate()
    data = await sources.part(token, report.part, code, day)
    if data is None:
        raise PartUnavailable()
    header = Header(
        title=f"{report.zh} {report.en}",
        name=name,
        region=code,
        as_of=day,
        today=today,
        source=report.source,
        generated_at=datetime.now(CHINA_TZ).replace(microsecond=0),
    )
    media_type, write = FORMATS[fmt]
    body = write(header, BUILDERS[report.part](data))
    filename = f"{name}-{code or 'national'}-{day.isoformat()}.{fmt}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
