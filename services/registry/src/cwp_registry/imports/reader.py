"""Streaming readers: rows of an .xlsx (imports.xlsx, on expat) or a .csv (UTF-8 with or
without BOM, else GB18030), in chunks, so memory stays flat with the file's size."""

from __future__ import annotations

import codecs
import contextlib
import csv
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.parsers.expat import ExpatError

from cwp_registry.imports.columns import BY_NAME, REQUIRED, Column
from cwp_registry.imports.exceptions import ImportFileProblem
from cwp_registry.imports.xlsx import Sheet

Cells = tuple[Any, ...]
SAMPLE = 65_536
MERGE_TAG = b"<mergeCell "


@dataclass
class Table:
    columns: list[Column]
    rows: Iterator[tuple[int, Cells]]  # (row number in the sheet, cells), empty rows skipped
    estimate: int | None  # data rows, when the file says (xlsx dimension, csv lines)


def kind_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportFileProblem("unsupported-type", 415)
    return suffix[1:]


def columns_of(headers: Cells) -> list[Column]:
    names = [str(h).strip() if h is not None else "" for h in headers]
    while names and not names[-1]:
        names.pop()
    if any(n not in BY_NAME for n in names):
        raise ImportFileProblem("unknown-headers")
    columns = [BY_NAME[n] for n in names]
    fields = [c.field for c in columns]
    if len(set(fields)) != len(fields):
        raise ImportFileProblem("duplicate-headers")
    if not set(fields) >= REQUIRED:
        raise ImportFileProblem("missing-columns")
    return columns


def _blank(cells: Cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _shaped(rows: Iterator[tuple[int, Cells]], width: int) -> Iterator[tuple[int, Cells]]:
    """Rows cut or padded to the header's width; empty rows skipped."""
    for number, cells in rows:
        cells = tuple(cells[:width]) + (None,) * (width - len(cells))
        if not _blank(cells):
            yield number, cells


def _numbered(rows: Iterator[Cells], width: int, first: int) -> Iterator[tuple[int, Cells]]:
    return _shaped(enumerate(rows, start=first), width)


def _has_merged_cells(stream: IO[bytes]) -> bool:
    """mergeCells follow the sheet data in the XML, so the whole part is scanned, in
    blocks (a tag split across two blocks is caught by the overlap)."""
    tail = b""
    while block := stream.read(SAMPLE):
        if MERGE_TAG in tail + block:
            return True
        tail = block[-len(MERGE_TAG) :]
    return False


@contextmanager
def open_xlsx(path: Path, estimate: bool = True) -> Iterator[Table]:
    if not zipfile.is_zipfile(path):
        raise ImportFileProblem("not-a-workbook")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFileProblem("not-a-workbook") from None
    with archive:
        try:
            sheet = Sheet(archive)
        except (*_BROKEN, OSError):
            raise ImportFileProblem("not-a-workbook") from None
        with contextlib.closing(sheet):
            try:
                with sheet.source() as source:
                    merged = _has_merged_cells(source)
                rows = _guarded(sheet.rows())
                first = next(rows, None)
                last = sheet.dimension_rows() if estimate else None
            except (*_BROKEN, OSError):
                raise ImportFileProblem("not-a-workbook") from None
            if merged:
                raise ImportFileProblem("merged-cells")
            if first is None:
                raise ImportFileProblem("empty-file")
            # A sheet whose first row is empty has no headers there.
            columns = columns_of(first[1] if first[0] == 1 else ())
            yield Table(
                columns,
                _shaped(rows, len(columns)),
                last - 1 if last and last > 1 else None,
            )


# What a damaged sheet raises while it is read (bad XML, a cut zip stream, a cell that
# names a shared string or a number that is not there).
_BROKEN = (
    ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    OverflowError,
)


def _guarded(rows: Iterator[tuple[int, Cells]]) -> Iterator[tuple[int, Cells]]:
    try:
        yield from rows
    except _BROKEN:
        raise ImportFileProblem("not-a-workbook") from None


def _encoding(path: Path) -> str:
    with path.open("rb") as f:
        sample = f.read(SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
    return count


@contextmanager
def open_csv(path: Path, estimate: bool = True) -> Iterator[Table]:
    if path.stat().st_size == 0:
        raise ImportFileProblem("empty-file")
    with path.open(encoding=_encoding(path), newline="") as f:
        rows = csv.reader(f)
        try:
            headers = next(rows, None)
        except UnicodeDecodeError:
            raise ImportFileProblem("encoding") from None
        if headers is None:
            raise ImportFileProblem("empty-file")
        columns = columns_of(tuple(headers))
        cells = (tuple(c or None for c in r) for r in rows)
        lines = max(_lines(path) - 1, 0) if estimate else None
        yield Table(columns, _numbered(cells, len(columns), 2), lines)


@contextmanager
def open_table(path: Path, kind: str, estimate: bool = True) -> Iterator[Table]:
    """`estimate`: whether the row count the file announces is wanted (the job that
    reads every row anyway skips it)."""
    opener = open_xlsx if kind == "xlsx" else open_csv
    with opener(path, estimate) as table:
        yield table


def next_chunk(rows: Iterator[tuple[int, Cells]], size: int) -> list[tuple[int, Cells]]:
    """Up to `size` rows (run in a worker thread: parsing is CPU work)."""
    chunk: list[tuple[int, Cells]] = []
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) == size:
                break
    except UnicodeDecodeError:
        raise ImportFileProblem("encoding") from None
    return chunk
