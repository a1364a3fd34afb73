"""The order of levels, lowest first: a ranking rule of career's, written out here.

The contracts' Literals (cwp_common.events.contracts) name the values two services agree
on; their order means nothing. Which education counts as "at least a bachelor's" or which
skill level is higher is career's rule ("min_education" and friends, the highest level
held), so the order lives here, and a test checks that every value of each Literal is
ranked exactly once.
"""

from __future__ import annotations

EDUCATION_ORDER: tuple[str, ...] = (
    "below_junior_college",  # 大专以下
    "junior_college",  # 大专
    "bachelor",  # 本科
    "master",  # 硕士研究生
    "doctorate",  # 博士研究生
)
DEGREE_ORDER: tuple[str, ...] = (  # 学位, ranked like the matching 学历
    "bachelor",  # 学士
    "master",  # 硕士
    "doctorate",  # 博士
)
QUALIFICATION_ORDER: tuple[str, ...] = (
    "assistant",  # 助理社会工作师
    "intermediate",  # 社会工作师
    "senior",  # 高级社会工作师
)
SKILL_LEVEL_ORDER: tuple[str, ...] = (
    "level_5",  # 五级/初级工
    "level_4",  # 四级/中级工
    "level_3",  # 三级/高级工
    "level_2",  # 二级/技师
    "level_1",  # 一级/高级技师
)
