"""Reports as Excel workbooks (xlsxwriter): the header (report, region, date, source,
generation time), then each table, with a native Excel bar chart beside the tables where
a chart helps. Numbers are written as numbers, so the cells can be summed and charted."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import xlsxwriter

from cwp_gateway.reports.header import Header
from cwp_gateway.reports.tables import Table, Value

CHART_COLUMN = 6  # charts sit to the right of the widest table


def _write(
    sheet: xlsxwriter.worksheet.Worksheet, row: int, col: int, value: Value, fmt: object
) -> None:
    if isinstance(value, bool) or value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, int):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, Decimal):
        # Excel keeps every number as a binary double; the decimal string is the source of
        # truth and its 15 significant digits survive the conversion.
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, value, fmt)


def workbook(header: Header, tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # The workbook's own creation time is the generation time the header states.
    book.set_properties(
        {"title": header.title, "created": header.generated_at.replace(tzinfo=None)}
    )
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    heading = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    cell = book.add_format({"border": 1})
    sheet = book.add_worksheet(header.sheet_name)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, CHART_COLUMN - 1, 16)
    sheet.write_string(0, 0, header.title, title)
    row = 1
    for label, line in header.lines():
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, line)
        row += 1
    row += 1
    chart_row = row
    for table in tables:
        sheet.write_string(row, 0, table.title, bold)
        row += 1
        for col, text in enumerate(table.headings):
            sheet.write_string(row, col, text, heading)
        first = row + 1
        for values in table.rows:
            row += 1
            for col, value in enumerate(values):
                _write(sheet, row, col, value, cell)
        if table.chart and table.rows:
            chart = book.add_chart({"type": "bar"})
            numbers = [i for i, v in enumerate(table.rows[0]) if isinstance(v, int | Decimal) and i]
            for col in numbers[:2]:
                chart.add_series(
                    {
                        "name": [sheet.name, first - 1, col],
                        "categories": [sheet.name, first, 0, row, 0],
                        "values": [sheet.name, first, col, row, col],
                    }
                )
            chart.set_title({"name": table.title})
            chart.set_legend({"position": "bottom"})
            sheet.insert_chart(max(chart_row, first - 1), CHART_COLUMN, chart)
            chart_row = max(chart_row, first - 1) + 16
        row += 2
    book.close()
    return buffer.getvalue()
