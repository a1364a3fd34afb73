"""What every report states before its figures: which report, region, date, source and
when it was generated, and whether the date is a past one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Header:
    title: str
    name: str
    region: str  # "" is national
    as_of: date
    today: date
    source: str
    generated_at: datetime  # China time

    @property
    def past(self) -> bool:
        return self.as_of < self.today

    @property
    def sheet_name(self) -> str:
        return self.name[:31]  # Excel's limit

    def lines(self) -> list[tuple[str, str]]:
        region = self.region or "全国 national"
        lines = [
            ("地区 Region", region),
            ("数据日期 Data as of", self.as_of.isoformat()),
            (
                "数据来源 Source",
                f"社区工作者队伍建设平台 Community Workforce Platform, {self.source}",
            ),
            ("生成时间 Generated", self.generated_at.strftime("%Y-%m-%d %H:%M:%S %z")),
        ]
        if self.past:
            lines.append(
                ("历史数据 Past date", "按该日期的数据状态生成 / the data as it stood on that date")
            )
        return lines
