"""Reading and writing Excel sheets (pure, no I/O but the bytes): a header row names
the columns (English or Chinese), each data row is parsed on its own and a bad value
becomes a row-level error with the sheet's row number; fixed error texts only."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 20_000

ALIASES = {
    "worker_id": ("worker_id", "工作者id", "人员id"),
    "day": ("day", "date", "日期"),
    "minutes": ("minutes", "分钟", "时长(分钟)"),
}
BAD_WORKER = "worker_id is not a valid id / 人员ID格式错误"
BAD_DAY = "day is not a date (YYYY-MM-DD) / 日期格式错误"
BAD_MINUTES = "minutes must be a whole number from 1 to 720 / 分钟数须为1至720的整数"


class UnreadableSheet(ValueError):
    """The file is not an xlsx workbook, or lacks a needed column, or is too long."""


@dataclass(frozen=True)
class Parsed:
    rows: list[dict[str, Any]]  # the values of the good rows, with "row": sheet row number
    errors: list[dict[str, Any]]  # {"row", "field", "message"}


def _header(cells: Sequence[Any], needed: Sequence[str]) -> dict[str, int]:
    names = [str(c).strip().lower() if c is not None else "" for c in cells]
    where = {}
    for field in needed:
        found = [i for i, n in enumerate(names) if n in ALIASES[field]]
        if not found:
            raise UnreadableSheet(field)
        where[field] = found[0]
    return where


def _uuid(v: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(v).strip())
    except ValueError:
        return None


def _day(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        return None


def _minutes(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float) and float(v).is_integer() and 1 <= v <= 720:
        return int(v)
    text = str(v).strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 720 else None


PARSERS = {
    "worker_id": (_uuid, BAD_WORKER),
    "day": (_day, BAD_DAY),
    "minutes": (_minutes, BAD_MINUTES),
}


def read(data: bytes, needed: Sequence[str]) -> Parsed:
    """The first sheet's rows under a header naming `needed`; empty rows are skipped."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zip, xml or format errors: all "not a workbook"
        raise UnreadableSheet("file") from exc
    lines = book.worksheets[0].iter_rows(values_only=True)
    header = next(lines, None)
    if header is None:
        raise UnreadableSheet("header")
    where = _header(header, needed)
    rows, errors = [], []
    for number, cells in enumerate(lines, start=2):
        if number - 1 > MAX_ROWS:
            raise UnreadableSheet("rows")
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        values: dict[str, Any] = {"row": number}
        for field, index in where.items():
            parse, message = PARSERS[field]
            value = parse(cells[index]) if index < len(cells) and cells[index] is not None else None
            if value is None:
                errors.append({"row": number, "field": field, "message": message})
            values[field] = value
        rows.append(values)
    return Parsed(rows, errors)


def write(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook (write-only: rows stream, memory stays flat)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
