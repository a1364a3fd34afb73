"""Reports as PDF (reportlab): the header, then each table. Chinese is set in reportlab's
built-in CID font STSong-Light (Adobe's standard Chinese font, which PDF readers carry),
so no font file is shipped or fetched."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cwp_gateway.reports.header import Header
from cwp_gateway.reports.tables import Table as ReportTable
from cwp_gateway.reports.tables import Value

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, spaceAfter=6)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=11, leading=15, spaceBefore=8)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)


def _cell(value: Value) -> str:
    if value is None:
        return ""
    return str(value) if not isinstance(value, Decimal) else format(value, "f")


def _table(table: ReportTable) -> Table:
    data = [list(table.headings), *([_cell(v) for v in row] for row in table.rows)]
    out = Table(data, repeatRows=1, hAlign="LEFT")
    out.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2DCDB")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return out


def document(header: Header, tables: Sequence[ReportTable]) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=header.title,
        invariant=True,  # no random document id: the same figures give the same bytes
    )
    story: list[Flowable] = [Paragraph(escape(header.title), TITLE)]
    story += [Paragraph(escape(f"{label}：{value}"), BODY) for label, value in header.lines()]
    for table in tables:
        story += [Paragraph(escape(table.title), HEADING), Spacer(1, 2 * mm), _table(table)]
    doc.build(story)
    return buffer.getvalue()
