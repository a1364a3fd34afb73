"""The available reports, their columns and what each column means: published at
GET /api/v1/reports so a province can check them against its own forms."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from cwp_gateway.dashboard.i18n import LANGS, Lang
from cwp_gateway.dashboard.sources import ENDPOINTS, Part


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    definition: str  # in Chinese and English, as the forms are read in both


@dataclass(frozen=True)
class Report:
    name: str
    zh: str
    en: str
    part: Part  # the service figures it is made from
    columns: tuple[Column, ...]

    def title(self, lang: Lang) -> str:
        return (self.zh, self.en)[LANGS.index(lang)]

    def titled(self, lang: Lang) -> ReportLink:
        return ReportLink(name=self.name, title=self.title(lang))

    @property
    def source(self) -> str:
        endpoint = ENDPOINTS[self.part]
        return f"{endpoint.service}: GET {endpoint.path}"


class ReportLink(BaseModel):
    name: str
    title: str


REGION = Column(
    "region", "地区代码", "Region code", "统计用区划代码（前缀）/ division code (prefix)"
)
REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "workforce",
            "社区工作者队伍规模结构统计表",
            "Community workforce size and structure",
            "workforce",
            (
                REGION,
                Column(
                    "headcount",
                    "社区工作者人数",
                    "Workers",
                    "数据日期在岗（含休假）的社区工作者人数 / workers in post (on leave included) on the date",
                ),
                Column(
                    "residents",
                    "常住人口",
                    "Residents",
                    "辖区社区登记的常住人口 / residents registered for the communities",
                ),
                Column(
                    "households",
                    "户数",
                    "Households",
                    "辖区社区登记的户数 / households registered for the communities",
                ),
                Column(
                    "per_10k_residents",
                    "每万人社区工作者数",
                    "Workers per 10,000 residents",
                    "人数 ÷ 常住人口 × 10000 / workers ÷ residents × 10,000",
                ),
                Column(
                    "national_target_per_10k",
                    "全国标准",
                    "National target",
                    "每万城镇常住人口不少于18名 / at least 18 per 10,000 urban residents",
                ),
                Column(
                    "local_target_per_10k",
                    "本地标准",
                    "Local target",
                    "本地配备标准（如有）/ the local staffing target, if any",
                ),
                Column(
                    "households_per_worker",
                    "每人服务户数",
                    "Households per worker",
                    "户数 ÷ 人数 / households ÷ workers",
                ),
                Column(
                    "vacancies",
                    "空缺岗位",
                    "Vacancies",
                    "核定岗位减在岗人数 / approved posts less workers in post",
                ),
                Column(
                    "by_*",
                    "结构分布",
                    "Distributions",
                    "按岗位、用工方式、年龄段、性别、学历、政治面貌、职业资格、岗位等级分列人数 / workers by position, employment type, age band, sex, education, political status, qualification, grade",
                ),
                Column(
                    "trend",
                    "月度变动",
                    "Monthly change",
                    "每月入职、离职人数 / joiners and leavers per month",
                ),
            ),
        ),
        Report(
            "pay-benchmark",
            "社区工作者薪酬与最低参照工资对照表",
            "Pay against the reference-wage floor",
            "pay",
            (
                REGION,
                Column(
                    "workers",
                    "人数",
                    "Workers",
                    "当年有工资记录的社区工作者 / workers paid in the year",
                ),
                Column(
                    "below_floor",
                    "低于最低参照工资人数",
                    "Below the floor",
                    "月均应发工资低于当地最低参照工资的人数 / workers whose average monthly gross is below the local floor",
                ),
                Column(
                    "share_below_floor",
                    "低于比例",
                    "Share below",
                    "低于人数 ÷ 人数 / below ÷ workers",
                ),
                Column(
                    "floor",
                    "最低参照工资（元/月）",
                    "Floor (yuan a month)",
                    "当地社区工作者最低参照工资 / the local reference-wage floor",
                ),
                Column(
                    "average_pay",
                    "平均工资（元/月）",
                    "Average pay (yuan a month)",
                    "月均应发工资 / average monthly gross pay",
                ),
            ),
        ),
        Report(
            "training-compliance",
            "社区工作者培训学时达标与持证情况表",
            "Training hours and certificates",
            "training",
            (
                REGION,
                Column(
                    "workers", "人数", "Workers", "应参加培训的社区工作者 / workers due to train"
                ),
                Column(
                    "hours_done",
                    "已完成学时",
                    "Hours done",
                    "截至数据日期已完成的学时 / hours completed by the date",
                ),
                Column(
                    "hours_due",
                    "应完成学时",
                    "Hours due",
                    "截至数据日期应完成的学时 / hours due by the date",
                ),
                Column(
                    "shortfall",
                    "欠缺学时",
                    "Shortfall",
                    "应完成减已完成（不小于0）/ due less done, not below 0",
                ),
                Column(
                    "workers_compliant",
                    "达标人数",
                    "Compliant",
                    "学时达标的人数 / workers with no shortfall",
                ),
                Column(
                    "certificate_holders",
                    "持证人数",
                    "Certificate holders",
                    "按助理社会工作师、社会工作师、高级社会工作师分列 / by assistant, intermediate, senior social worker",
                ),
            ),
        ),
        Report(
            "assessments",
            "社区工作者年度考核结果汇总表",
            "Annual assessment summary",
            "assessments",
            (
                Column("year", "考核年度", "Year", "考核所属年度 / the assessed year"),
                Column(
                    "confirmed",
                    "已确认人数",
                    "Confirmed",
                    "数据日期前已确认考核结果的人数 / results confirmed by the date",
                ),
                Column(
                    "by_result",
                    "按结果",
                    "By result",
                    "按考核等次（如优秀、称职、基本称职、不称职）分列 / by result (excellent, competent, ...)",
                ),
            ),
        ),
    )
}
