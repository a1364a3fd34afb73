"""Reading generated reports back: the cells of an Excel sheet, the text of a PDF."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pypdf


def sheet_rows(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def header_of(rows: list[list[Any]]) -> dict[str, str]:
    """The header lines (label, value) above the first table."""
    out: dict[str, str] = {}
    for row in rows[1:]:
        if not row or row[0] is None:
            break
        out[str(row[0])] = str(row[1])
    return out


def table_after(rows: list[list[Any]], title: str) -> list[list[Any]]:
    """The rows of the table titled `title`, headings first, up to the blank row."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    out = []
    for row in rows[start + 1 :]:
        if not row or all(v is None for v in row):
            break
        out.append([v for v in row if v is not None])
    return out


def chart_count(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return sum(1 for n in z.namelist() if n.startswith("xl/charts/chart"))


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)
