"""The reports list: each report with its columns and their definitions."""

from __future__ import annotations

from pydantic import BaseModel

from cwp_gateway.reports.catalogue import Report


class ColumnOut(BaseModel):
    key: str
    title_zh: str
    title_en: str
    definition: str


class ReportOut(BaseModel):
    name: str
    title_zh: str
    title_en: str
    source: str
    formats: list[str]
    columns: list[ColumnOut]
    url: str

    @classmethod
    def from_model(cls, report: Report) -> ReportOut:
        return cls(
            name=report.name,
            title_zh=report.zh,
            title_en=report.en,
            source=report.source,
            formats=["xlsx", "pdf"],
            columns=[
                ColumnOut(key=c.key, title_zh=c.zh, title_en=c.en, definition=c.definition)
                for c in report.columns
            ],
            url=f"/api/v1/reports/{report.name}.{{format}}?region={{region}}&as_of={{YYYY-MM-DD}}",
        )


class ReportList(BaseModel):
    items: list[ReportOut]
