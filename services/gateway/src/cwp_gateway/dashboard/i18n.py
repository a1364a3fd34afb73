"""The dashboard's words in Chinese (the default) and English: interface texts and the
names of the codes the services answer with. A code without a name shows as itself."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # key: (中文, English)
    "title": ("社区工作者队伍看板", "Community workforce dashboard"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "username": ("账号", "Username"),
    "password": ("密码", "Password"),
    "bad_credentials": ("账号或密码不正确", "Wrong username or password"),
    "disabled": ("账号已停用", "This account is disabled"),
    "wait": ("尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    "bad_form": ("表单已过期，请重新提交", "The form has expired; please submit it again"),
    "no_dashboard_role": (
        "此账号没有查看看板的角色",
        "This account has no role that may view the dashboard",
    ),
    "out_of_scope": (
        "该地区不在您的管辖范围内",
        "This region is outside your scope",
    ),
    "bad_region": ("地区代码无效", "Not a valid region code"),
    "national": ("全国", "National"),
    "province": ("省", "Province"),
    "city": ("市", "City"),
    "district": ("区县", "District"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "region": ("地区", "Region"),
    "go": ("查看", "Go"),
    "as_of": ("数据日期", "Data as of"),
    "sub_regions": ("下级地区", "Sub-regions"),
    "not_available": (
        "暂无数据：该服务尚未提供此项统计",
        "Not available yet: the service does not provide these figures",
    ),
    "show_table": ("查看表格", "Show the table"),
    "item": ("项目", "Item"),
    "count": ("人数", "Count"),
    "value": ("数值", "Value"),
    "reports": ("报表下载（一表通）", "Reports (一表通)"),
    # figures
    "headcount": ("社区工作者人数", "Community workers"),
    "residents": ("常住人口", "Residents"),
    "households": ("户数", "Households"),
    "per_10k_residents": ("每万人社区工作者数", "Workers per 10,000 residents"),
    "national_target_per_10k": ("全国标准（每万人）", "National target per 10,000"),
    "local_target_per_10k": ("本地标准（每万人）", "Local target per 10,000"),
    "households_per_worker": ("每名社区工作者服务户数", "Households per worker"),
    "vacancies": ("空缺岗位", "Vacancies"),
    "communities": ("社区数", "Communities"),
    "moved_in": ("调入", "Moved in"),
    "moved_out": ("调出", "Moved out"),
    "age_bands_withheld": (
        "地区人数较少，年龄分布不向无个人信息权限的账号显示",
        "Age bands are withheld: the region is small and this account has no pii role",
    ),
    "by_position": ("按岗位", "By position"),
    "by_employment_type": ("按用工方式", "By employment type"),
    "by_status": ("按状态", "By status"),
    "by_age_band": ("按年龄段", "By age band"),
    "by_sex": ("按性别", "By sex"),
    "by_education": ("按学历", "By education"),
    "by_political_status": ("按政治面貌", "By political status"),
    "by_qualification": ("按职业资格", "By qualification"),
    "by_grade": ("按岗位等级", "By grade"),
    "trend": ("每月入职与离职", "Joiners and leavers by month"),
    "joiners": ("入职", "Joiners"),
    "leavers": ("离职", "Leavers"),
    "month": ("月份", "Month"),
    "staffing": ("配备标准", "Staffing against the targets"),
    "workforce": ("队伍规模结构", "Workforce size and structure"),
    "assessments": ("年度考核结果", "Annual assessment results"),
    "year": ("年度", "Year"),
    "total": ("合计", "Total"),
    "confirmed": ("已确认", "Confirmed"),
    "pay": ("薪酬与最低参照工资", "Pay against the reference-wage floor"),
    "workers": ("人数", "Workers"),
    "below_floor": ("低于最低参照工资人数", "Workers below the floor"),
    "share_below_floor": ("低于最低参照工资比例", "Share below the floor"),
    "floor": ("最低参照工资", "Floor"),
    "average_pay": ("平均工资", "Average pay"),
    "training": ("培训学时与持证", "Training hours and certificates"),
    "hours_done": ("已完成学时", "Hours done"),
    "hours_due": ("应完成学时", "Hours due"),
    "shortfall": ("欠缺学时", "Shortfall"),
    "workers_compliant": ("达标人数", "Workers compliant"),
    "certificate_holders": ("持证人数", "Certificate holders"),
    "name": ("名称", "Name"),
    "code": ("代码", "Code"),
    "language": ("English", "中文"),
    "past_date": ("历史数据：按该日期的状态生成", "Past date: the data as it stood then"),
}

CODES: dict[str, tuple[str, str]] = {
    "party_secretary": ("党组织书记", "Party secretary"),
    "committee_director": ("居委会主任", "Committee director"),
    "deputy_secretary": ("党组织副书记", "Deputy secretary"),
    "deputy_director": ("居委会副主任", "Deputy director"),
    "committee_member": ("两委委员", "Committee member"),
    "party_committee_member": ("党组织委员", "Party committee member"),
    "full_time_worker": ("专职社区工作者", "Full-time worker"),
    "civil_servant": ("公务员", "Civil servant"),
    "public_institution": ("事业编制", "Public institution staff"),
    "labour_contract": ("劳动合同", "Labour contract"),
    "elected": ("选任", "Elected"),
    "party_organisation": ("党组织任职", "Party organisation"),
    "under_30": ("30岁以下", "Under 30"),
    "30_39": ("30-39岁", "30-39"),
    "40_49": ("40-49岁", "40-49"),
    "50_59": ("50-59岁", "50-59"),
    "60_plus": ("60岁及以上", "60 and over"),
    "active": ("在岗", "Active"),
    "on_leave": ("休假", "On leave"),
    "exited": ("已退出", "Exited"),
    "male": ("男", "Male"),
    "female": ("女", "Female"),
    "below_junior_college": ("大专以下", "Below junior college"),
    "junior_college": ("大专", "Junior college"),
    "bachelor": ("本科", "Bachelor"),
    "master": ("硕士研究生", "Master"),
    "doctorate": ("博士研究生", "Doctorate"),
    "cpc_member": ("中共党员", "CPC member"),
    "cpc_probationary": ("中共预备党员", "CPC probationary member"),
    "cyl_member": ("共青团员", "CYL member"),
    "other_party": ("民主党派", "Other party"),
    "non_party": ("无党派人士", "Non-party"),
    "masses": ("群众", "Masses"),
    "assistant": ("助理社会工作师", "Assistant social worker"),
    "intermediate": ("社会工作师", "Social worker"),
    "senior": ("高级社会工作师", "Senior social worker"),
    "none": ("无", "None"),
}


def text(key: str, lang: Lang) -> str:
    pair = TEXTS.get(key)
    return key if pair is None else pair[LANGS.index(lang)]


def code_name(code: str, lang: Lang) -> str:
    pair = CODES.get(code)
    return code if pair is None else pair[LANGS.index(lang)]
