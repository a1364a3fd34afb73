"""The import's columns: one table gives the template's Chinese headers, the JSON API's
field names a file may use instead, and how a cell is read."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook

from cwp_common.events.contracts import Degree, Education, EmploymentType, Position
from cwp_registry.workers.schemas import PoliticalStatus


@dataclass(frozen=True)
class Column:
    field: str  # the JSON API's name
    header: str  # the template's
    kind: str  # "text" or "date"
    required: bool = False
    codes: tuple[str, ...] = ()  # the values allowed, for the template's notes


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "text", required=True),
    Column("id_number", "公民身份号码", "text", required=True),
    Column("community_code", "社区代码", "text", required=True),
    Column("position", "岗位", "text", True, typing.get_args(Position)),
    Column("hire_date", "入职日期", "date", required=True),
    Column("employment_type", "用工类型", "text", codes=typing.get_args(EmploymentType)),
    Column("education", "学历", "text", codes=typing.get_args(Education)),
    Column("degree", "学位", "text", codes=typing.get_args(Degree)),
    Column("position_since", "任现岗位日期", "date"),
    Column("political_status", "政治面貌", "text", codes=typing.get_args(PoliticalStatus)),
    Column("phone", "手机号码", "text"),
    Column("service_start_date", "参加社区工作日期", "date"),
    Column("status", "在岗状态", "text", codes=("active", "on_leave")),
)

BY_NAME: dict[str, Column] = {
    **{c.header: c for c in COLUMNS},
    **{c.field: c for c in COLUMNS},
}
REQUIRED = frozenset(c.field for c in COLUMNS if c.required)


def template() -> bytes:
    """The published template: the headers, and a sheet of the codes each column takes."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("职工信息")
    sheet.append([c.header for c in COLUMNS])
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "字段名", "必填", "格式或可选代码"])
    for c in COLUMNS:
        shape = "YYYY-MM-DD（日期单元格或文本）" if c.kind == "date" else " / ".join(c.codes)
        notes.append([c.header, c.field, "是" if c.required else "否", shape])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
