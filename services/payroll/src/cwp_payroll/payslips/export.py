"""Streamed exports of a run's payslips (for the bank and for the ledger): batches read
in (street, worker) order and written out as they come, so memory stays flat whatever
the run's size. CSV goes straight to the response; the .xlsx is written by xlsxwriter in
constant-memory mode to a temporary file, which is then streamed and removed."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.repository import PLATFORM
from cwp_payroll.money import yuan
from cwp_payroll.payslips.repository import PayslipRepository
from cwp_payroll.runs.compute import period_text
from cwp_payroll.runs.models import Payslip

BATCH = 5000
HEADER = (
    "worker_id",
    "name",
    "community_code",
    "period",
    "gross",
    "pension_employee",
    "medical_employee",
    "unemployment_employee",
    "housing_employee",
    "tax",
    "bonus_tax",
    "net",
    "employer_cost",
)
MONEY = HEADER[4:]


def _row(p: Payslip) -> list[str]:
    return [
        str(p.worker_id),
        p.name,
        p.community_code,
        period_text(p.period),
        *(yuan(getattr(p, k)) for k in MONEY),
    ]


async def _batches(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, period: int
) -> AsyncIterator[Sequence[Payslip]]:
    after: tuple[str, uuid.UUID] | None = None
    while True:
        async with sessions() as session:
            rows = await PayslipRepository(session, PLATFORM).of_run(run_id, period, after, BATCH)
        if not rows:
            return
        yield rows
        after = (rows[-1].chunk, rows[-1].worker_id)
        if len(rows) < BATCH:
            return


def _safe(cell: str) -> str:
    """A name starting like a formula is written as text (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


async def csv_stream(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, period: int
) -> AsyncIterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    yield ("\ufeff" + buf.getvalue()).encode()  # BOM: spreadsheet programs read UTF-8
    async for rows in _batches(sessions, run_id, period):
        buf.seek(0)
        buf.truncate()
        for p in rows:
            r = _row(p)
            r[1] = _safe(r[1])
            writer.writerow(r)
        yield buf.getvalue().encode()


async def xlsx_stream(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, period: int
) -> AsyncIterator[bytes]:
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book = xlsxwriter.Workbook(
            path,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False},
        )
        sheet = book.add_worksheet(period_text(period))
        sheet.write_row(0, 0, HEADER)
        line = 1
        async for rows in _batches(sessions, run_id, period):
            values = [_row(p) for p in rows]
            await asyncio.to_thread(_write, sheet, line, values)
            line += len(values)
        await asyncio.to_thread(book.close)
        with open(path, "rb") as fh:  # noqa: ASYNC230 (local temp file, read in chunks)
            while chunk := fh.read(1 << 16):
                yield chunk
    finally:
        os.unlink(path)


def _write(sheet: xlsxwriter.worksheet.Worksheet, first: int, rows: list[list[str]]) -> None:
    for i, r in enumerate(rows):
        # Money as exact text: a spreadsheet number would be a float.
        sheet.write_row(first + i, 0, r)
