"""File-level refusals of an import, each from a fixed text (never the file's content)."""

from __future__ import annotations

from cwp_common.problems import ProblemError

FILE_REASONS: dict[str, str] = {
    "unsupported-type": "Only .xlsx and .csv files are accepted / 仅支持 .xlsx 或 .csv 文件",
    "not-a-workbook": "The file is not an Excel .xlsx workbook / 文件不是有效的 Excel 工作簿",
    "empty-file": "The file has no data rows / 文件没有数据行",
    "unknown-headers": (
        "A column header is neither a template header nor an API field name "
        "/ 存在无法识别的列名，请使用模板列名或接口字段名"
    ),
    "duplicate-headers": "A column appears twice / 列名重复",
    "missing-columns": (
        "Required columns missing: 姓名 (name), 公民身份号码 (id_number), 社区代码 "
        "(community_code), 岗位 (position), 入职日期 (hire_date) / 缺少必填列"
    ),
    "merged-cells": "The sheet has merged cells; unmerge them / 工作表含合并单元格，请取消合并",
    "too-many-rows": "The file has more rows than one import takes / 行数超过单次导入上限",
    "encoding": "The CSV is neither UTF-8 nor GB18030 text / CSV 编码无法识别",
    "interrupted": "The service restarted during the import; import the file again "
    "(rows already written are unchanged on a repeat) / 导入因服务重启中断，请重新导入",
    "internal": "The import stopped on an unexpected error / 导入因意外错误中止",
}


class ImportFileProblem(ProblemError):
    def __init__(self, reason: str, status: int = 422) -> None:
        super().__init__(
            status,
            f"import-{reason}",
            "File cannot be imported",
            FILE_REASONS[reason],
            errors=[{"field": "file", "message": FILE_REASONS[reason], "code": reason}],
        )
        self.reason = reason
