"""A streaming reader of an .xlsx's first sheet, on the C expat parser.

openpyxl's read-only mode cost ~100 µs a row on an idle machine (an ElementTree element
and a cell object per cell), and a sheet without a dimension record (openpyxl's own
write-only files) is parsed twice to size it. Here each row is built from expat's
callbacks as the zip stream is fed in blocks, so memory stays flat with the sheet. The
shared-strings table precedes the sheet and must be read whole: its first strings are
kept in memory, the rest spilled to a temporary file read back through mmap, so it too
stays bounded (a file of unique names and ID numbers has two strings a row). Values come out as openpyxl
gave them with `data_only=False`: shared and inline strings, int or float numbers,
datetimes for numbers in a date format, booleans, and "=<formula>" for a formula cell, so
rows.py treats both readers' cells alike. python-calamine was not used: it reads the whole
sheet into memory and gives a formula's cached value instead of the formula."""

from __future__ import annotations

import contextlib
import mmap
import posixpath
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any, BinaryIO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

BLOCK = 1 << 16
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# Built-in number formats of a zh-CN Excel that are dates (yyyy"年"m"月"d"日" and the
# like); openpyxl knows only the locale-neutral ones (14-22, 45-47).
CJK_DATE_FORMATS = frozenset({27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})
# Shared strings held in memory; the ones after are read from a temporary file.
STRINGS_IN_MEMORY = 50_000
STRING_CHARS_IN_MEMORY = 4_000_000
SPILL_BLOCK = 1 << 20
DIGITS = "0123456789"
MAX_COLUMN_LETTERS = 3  # XFD, Excel's last column: longer references are not cached

Cells = tuple[Any, ...]


def _parse(stream: IO[bytes], parser: Any) -> None:
    while block := stream.read(BLOCK):
        parser.Parse(block, False)
    parser.Parse(b"", True)


def _new_parser() -> Any:
    return expat.ParserCreate(namespace_separator=" ")


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, bool]:
    """The first sheet's part name, and whether the workbook counts dates from 1904."""
    sheets: list[str] = []
    date1904 = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal date1904
        if name == f"{MAIN} sheet":
            sheets.append(attrs.get(f"{REL} id", ""))
        elif name == f"{MAIN} workbookPr":
            date1904 = attrs.get("date1904", "0") in ("1", "true")

    parser = _new_parser()
    parser.StartElementHandler = start
    with archive.open("xl/workbook.xml") as f:
        _parse(f, parser)
    targets: dict[str, str] = {}

    def rel(name: str, attrs: dict[str, str]) -> None:
        if name == f"{PKG_REL} Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    parser = _new_parser()
    parser.StartElementHandler = rel
    with archive.open("xl/_rels/workbook.xml.rels") as f:
        _parse(f, parser)
    if not sheets or sheets[0] not in targets:
        raise KeyError("no sheet")
    target = targets[sheets[0]]
    part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return posixpath.normpath(part), date1904


class SharedStrings:
    """The shared-strings table, indexed as the sheet's cells name it: the first strings
    (up to `count` of them and `chars` characters) in a list, the rest as UTF-8 in a
    temporary file, with their end offsets in a second one (both mapped when the table
    is complete; pages of a mapped file are the kernel's to drop, not the heap's)."""

    def __init__(self, count: int | None = None, chars: int | None = None) -> None:
        self.head: list[str] = []
        self._room = (
            STRINGS_IN_MEMORY if count is None else count,
            STRING_CHARS_IN_MEMORY if chars is None else chars,
        )
        self._chars = 0
        self._spilled = 0
        self._data: BinaryIO | None = None
        self._ends: BinaryIO | None = None
        self._files = contextlib.ExitStack()
        self._buffer = bytearray()
        self._offsets = array("q")
        self._written = 0
        self._data_map: mmap.mmap | None = None
        self._ends_map: memoryview | None = None
        self._ends_raw: mmap.mmap | None = None

    def append(self, text: str) -> None:
        if self._data is None and len(self.head) < self._room[0] and self._chars < self._room[1]:
            self.head.append(text)
            self._chars += len(text)
            return
        if self._data is None:
            # Held past this call; the exit stack closes them in close().
            self._data = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
            self._ends = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self._buffer += text.encode()
        self._offsets.append(self._written + len(self._buffer))
        self._spilled += 1
        if len(self._buffer) >= SPILL_BLOCK or len(self._offsets) >= SPILL_BLOCK // 8:
            self._flush()

    def _flush(self) -> None:
        if self._data is None or self._ends is None:
            return
        self._data.write(self._buffer)
        self._written += len(self._buffer)
        self._buffer.clear()
        self._ends.write(self._offsets.tobytes())
        self._offsets = array("q")

    def finish(self) -> None:
        """The table is complete: the spilled part is mapped for reading."""
        if self._data is None or self._ends is None:
            return
        self._flush()
        self._data.flush()
        self._ends.flush()
        if self._written:
            self._data_map = mmap.mmap(self._data.fileno(), 0, access=mmap.ACCESS_READ)
        self._ends_raw = mmap.mmap(self._ends.fileno(), 0, access=mmap.ACCESS_READ)
        self._ends_map = memoryview(self._ends_raw).cast("q")

    def __len__(self) -> int:
        return len(self.head) + self._spilled

    def __getitem__(self, index: int) -> str:
        if 0 <= index < len(self.head):
            return self.head[index]
        i = index - len(self.head)
        if index < 0 or i >= self._spilled or self._ends_map is None:
            raise IndexError(index)
        start = self._ends_map[i - 1] if i else 0
        end = self._ends_map[i]
        if start == end or self._data_map is None:
            return ""
        return self._data_map[start:end].decode()

    def close(self) -> None:
        if self._ends_map is not None:
            self._ends_map.release()
        for mapped in (self._data_map, self._ends_raw):
            if mapped is not None:
                mapped.close()
        self._files.close()


def _shared_strings(archive: zipfile.ZipFile, strings: SharedStrings) -> None:
    """Each <si>'s text: its <t>, or its runs' <t>s joined (phonetic runs left out)."""
    if "xl/sharedStrings.xml" not in archive.namelist():
        return
    parts: list[str] = []
    state = {"in_t": False, "skip": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{MAIN} si":
            parts.clear()
        elif name == f"{MAIN} rPh":
            state["skip"] += 1
        elif name == f"{MAIN} t" and not state["skip"]:
            state["in_t"] = True

    def end(name: str) -> None:
        if name == f"{MAIN} si":
            strings.append("".join(parts))
        elif name == f"{MAIN} rPh":
            state["skip"] -= 1
        elif name == f"{MAIN} t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    parser = _new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with archive.open("xl/sharedStrings.xml") as f:
        _parse(f, parser)
    strings.finish()


def _date_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell formats (a cell's `s`) whose number format is a date."""
    if "xl/styles.xml" not in archive.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"xfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == f"{MAIN} numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif name == f"{MAIN} cellXfs":
            depth["xfs"] = True
        elif name == f"{MAIN} xf" and depth["xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name == f"{MAIN} cellXfs":
            depth["xfs"] = False

    parser = _new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with archive.open("xl/styles.xml") as f:
        _parse(f, parser)

    def is_date(fmt: int) -> bool:
        if fmt in CJK_DATE_FORMATS:
            return True
        code = custom.get(fmt, BUILTIN_FORMATS.get(fmt))
        return code is not None and is_date_format(code)

    return frozenset(i for i, fmt in enumerate(formats) if is_date(fmt))


class _Found(Exception):
    """Stops the parse once the dimension (or the data) is reached."""


def _column(ref: str) -> int:
    """0-based column of a cell reference ("C7" -> 2)."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


class Sheet:
    """The first sheet of an open workbook: its dimension and its rows, streamed."""

    def __init__(self, archive: zipfile.ZipFile, strings: SharedStrings | None = None) -> None:
        """`strings`: where the shared strings go (closed with the sheet)."""
        self.archive = archive
        self.part, date1904 = _first_sheet(archive)
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self.strings = strings if strings is not None else SharedStrings()
        try:
            _shared_strings(archive, self.strings)
            self.dates = _date_styles(archive)
        except BaseException:
            self.strings.close()
            raise

    def close(self) -> None:
        self.strings.close()

    def source(self) -> IO[bytes]:
        return self.archive.open(self.part)

    def dimension_rows(self) -> int | None:
        """The last row the sheet's dimension record names, if it has one (it precedes
        the data, so only the start of the part is read)."""
        found: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == f"{MAIN} dimension":
                found.append(attrs.get("ref", ""))
            elif name == f"{MAIN} sheetData":
                found.append("")
            if found:
                raise _Found

        parser = _new_parser()
        parser.StartElementHandler = start
        with self.source() as f, contextlib.suppress(_Found):
            _parse(f, parser)
        ref = found[0] if found else ""
        last = ref.rpartition(":")[2]
        digits = "".join(ch for ch in last if ch.isdigit())
        return int(digits) if digits else None

    def rows(self) -> Iterator[tuple[int, Cells]]:
        """(row number, cells from column A), in sheet order; cells absent are None."""
        ready: list[tuple[int, Cells]] = []
        row: dict[int, Any] = {}
        text: list[str] = []
        strings, dates, epoch = self.strings, self.dates, self.epoch
        C, V, F, T, ROW, IS = (f"{MAIN} {n}" for n in ("c", "v", "f", "t", "row", "is"))
        columns: dict[str, int] = {}  # a reference's letters -> its column
        # The cell being read (its column, t and s attributes, <f> and value so far, and
        # the element whose text is being collected), and the row's number.
        col, kind, style, formula, value, into = -1, "n", 0, None, None, None
        number = 0
        # Each callback runs once per cell or more: the state lives in closure variables,
        # and the names are tested most frequent first.

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal col, kind, style, formula, value, into, number
            if name == C:
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip(DIGITS)
                    found = columns.get(letters)
                    if found is None:
                        found = _column(letters)
                        if len(letters) <= MAX_COLUMN_LETTERS:
                            columns[letters] = found
                    col = found
                else:
                    col += 1
                kind = attrs.get("t", "n")
                s = attrs.get("s")
                style = int(s) if s else 0
                formula = value = None
            elif name in (V, F) or (name == T and kind == "inlineStr"):
                text.clear()
                into = name
            elif name == IS:
                value = ""
            elif name == ROW:
                r = attrs.get("r")
                number = int(r) if r else number + 1
                col = -1
                row.clear()

        def end(name: str) -> None:
            nonlocal value, formula, into
            if name == C:
                row[col] = _value(formula, value, kind, style, strings, dates, epoch)
            elif name == V:
                value = "".join(text)
                into = None
            elif name == T and into == T:
                value = (value or "") + "".join(text)
                into = None
            elif name == ROW:
                width = max(row) + 1 if row else 0
                ready.append((number, tuple(map(row.get, range(width)))))
            elif name == F:
                formula = "".join(text)
                into = None

        def chars(data: str) -> None:
            if into is not None:
                text.append(data)

        parser = _new_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        parser.buffer_text = True
        with self.source() as f:
            while block := f.read(BLOCK):
                parser.Parse(block, False)
                yield from ready
                ready.clear()
            parser.Parse(b"", True)
            yield from ready


def _value(
    formula: str | None,
    raw: str | None,
    kind: str,
    style: int,
    strings: SharedStrings,
    dates: frozenset[int],
    epoch: datetime,
) -> Any:
    if formula is not None:
        return "=" + formula
    if raw is None or (raw == "" and kind not in ("str", "inlineStr")):
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "inlineStr", "e"):
        return raw
    if kind == "b":
        return raw in ("1", "true")
    if kind == "d":
        return datetime.fromisoformat(raw)
    number: float | int = float(raw) if "." in raw or "e" in raw or "E" in raw else int(raw)
    if style in dates:
        return from_excel(number, epoch)
    return number
