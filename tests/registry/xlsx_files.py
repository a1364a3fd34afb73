"""Workbooks written as Excel writes them: text in the shared-strings table (openpyxl
writes inline strings, so its files never exercise that table)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
EXCEL_EPOCH = date(1899, 12, 30)

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="{PKG}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}/relationships">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}/relationships">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>
</Relationships>"""
# Cell format 1 is a date (built-in number format 14).
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"""


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def write_shared_strings_xlsx(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    """Each distinct text once in sharedStrings.xml (in order of first use, as Excel
    does), dates as serial numbers in a date format, numbers as numbers, None as no
    cell. The sheet streams into the zip; the table is written after it in the loop but
    stored before it in the archive, as Excel orders the parts."""
    index: dict[str, int] = {}
    sheet_path = path.with_suffix(".sheet.xml")
    with sheet_path.open("w", encoding="utf-8") as sheet:
        sheet.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}"><sheetData>'
        )
        for r, values in enumerate(rows, start=1):
            cells = []
            for c, v in enumerate(values):
                ref = f"{_column(c)}{r}"
                if v is None:
                    continue
                if isinstance(v, str):
                    n = index.setdefault(v, len(index))
                    cells.append(f'<c r="{ref}" t="s"><v>{n}</v></c>')
                elif isinstance(v, date):
                    cells.append(f'<c r="{ref}" s="1"><v>{(v - EXCEL_EPOCH).days}</v></c>')
                else:
                    cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            sheet.write(f'<row r="{r}">{"".join(cells)}</row>')
        sheet.write("</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/styles.xml", STYLES)
        with z.open("xl/sharedStrings.xml", "w") as out:
            out.write(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}" '
                f'count="{len(index)}" uniqueCount="{len(index)}">'.encode()
            )
            for text in index:
                out.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>'.encode())
            out.write(b"</sst>")
        z.write(sheet_path, "xl/worksheets/sheet1.xml")
    sheet_path.unlink()
    return path
