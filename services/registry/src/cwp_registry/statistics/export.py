"""The statistics report as an Excel workbook for people: a summary sheet, one sheet of
distributions, the monthly trend and the sub-regions, with Chinese headings."""

from __future__ import annotations

import io

from openpyxl import Workbook

from cwp_registry.statistics.schemas import StatisticsOut

SUMMARY = (
    ("region", "区域代码"),
    ("as_of", "统计日期"),
    ("headcount", "社区工作者人数"),
    ("communities", "社区数"),
    ("residents", "常住人口"),
    ("households", "户数"),
    ("per_10k_residents", "每万人社区工作者数"),
    ("national_target_per_10k", "全国目标(每万人)"),
    ("local_target_per_10k", "本地目标(每万人)"),
    ("households_per_worker", "人均服务户数"),
    ("local_target_households_per_worker", "本地目标(每人服务户数)"),
    ("vacancies", "缺额"),
)
DISTRIBUTIONS = (
    ("by_position", "岗位"),
    ("by_employment_type", "人员类别"),
    ("by_status", "状态"),
    ("by_age_band", "年龄段"),
    ("by_sex", "性别"),
    ("by_education", "学历"),
    ("by_political_status", "政治面貌"),
    ("by_qualification", "职业资格"),
    ("by_grade", "岗位等级"),
)


def workbook(report: StatisticsOut) -> bytes:
    book = Workbook(write_only=True)
    summary = book.create_sheet("概况")
    summary.append(["项目", "field", "值"])
    for field, label in SUMMARY:
        value = getattr(report, field)
        summary.append([label, field, None if value is None else str(value)])
    dist = book.create_sheet("结构")
    dist.append(["维度", "dimension", "取值", "人数"])
    for field, label in DISTRIBUTIONS:
        for value, n in getattr(report, field).items():
            dist.append([label, field, value, n])
    trend = book.create_sheet("月度变动")
    trend.append(["月份", "新进", "退出", "调入", "调出"])
    for m in report.trend:
        trend.append([m.month, m.joiners, m.leavers, m.moved_in, m.moved_out])
    subs = book.create_sheet("下级区域")
    subs.append(["区域代码", "名称", "人数", "常住人口", "每万人社区工作者数"])
    for s in report.sub_regions:
        subs.append([s.region, s.name, s.headcount, s.residents, s.per_10k_residents])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
