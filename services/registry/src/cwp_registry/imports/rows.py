"""One row of a file: its cells read as the JSON API's fields, and the reasons a row is
rejected, as codes turned into fixed texts (never a cell's value)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from cwp_registry.imports.columns import BY_NAME, Column
from cwp_registry.workers.schemas import WorkerCreate

# Fixed texts by reason code; a rule's problem slug is its reason code.
ROW_REASONS: dict[str, str] = {
    "formula": "A cell holds a formula; paste values only / 单元格含公式，请粘贴为数值",
    "date-as-text": "A date is text not in YYYY-MM-DD form / 日期为非标准文本",
    "not-a-date": "A date cell holds no date / 日期单元格不是日期",
    "invalid-value": "A value is missing, malformed or not one of the codes / 取值缺失、格式错误或代码无效",
    "duplicate-in-file": "The ID number appears on an earlier row of this file / 身份号码与本文件前面的行重复",
    "transfer-needed": "The worker is registered in another community: use a transfer / 该人员登记在其他社区，请办理调动",
    "hire-date-differs": "The hire date differs from the registered one / 入职日期与已登记的不一致",
    "invalid-id-number": "The ID number is not valid / 公民身份号码无效",
    "invalid-division-code": "The community code is not a valid division code / 社区代码无效",
    "unknown-community": "The community is not registered / 社区未登记",
    "community-withdrawn": "The community has been withdrawn / 社区已撤销",
    "out-of-scope": "The community lies outside your region / 超出授权区域",
    "registered-elsewhere": "The person is already registered as a current worker / 该人员已在其他单位在册",
    "under-minimum-age": "Under the legal minimum working age on a date given / 未满法定最低就业年龄",
    "below-post-minimum-age": "Below the minimum age of the post / 未达岗位最低年龄",
    "retirement-age-reached": "Past the statutory retirement age / 已达法定退休年龄",
    "date-in-future": "A date is in the future / 日期晚于今天",
    "employment-type-mismatch": "The employment type needs a post the row does not give / 用工类型与岗位不符",
    "invalid-concurrent-posts": "The posts held together are not allowed / 兼任岗位不符合规定",
}
GENERIC = "The row breaks a registration rule / 不符合登记规则"


class RowRejected(Exception):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def reason_text(reason: str, field: str | None) -> str:
    column = BY_NAME.get(field or "")
    text = ROW_REASONS.get(reason, GENERIC)
    return f"{column.header}（{column.field}）：{text}" if column else text


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code or number Excel stored as a number
    if isinstance(value, str):
        return value.strip()
    return str(value)


def _date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value.strip()) == 10:
                return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise RowRejected("date-as-text", field)
    raise RowRejected("not-a-date", field)


def read_row(columns: list[Column], cells: tuple[Any, ...]) -> WorkerCreate:
    fields: dict[str, Any] = {}
    for column, value in zip(columns, cells, strict=True):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str) and value.startswith("="):
            raise RowRejected("formula", column.field)
        fields[column.field] = _date(value, column.field) if column.kind == "date" else _text(value)
    try:
        return WorkerCreate.model_validate(fields)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        raise RowRejected("invalid-value", str(loc[0]) if loc else None) from None


def cells_json(cells: tuple[Any, ...]) -> list[str | None]:
    """The cells as the errors report shows them back."""
    return [
        None if c is None else c.date().isoformat() if isinstance(c, datetime) else _text(c)
        for c in cells
    ]
