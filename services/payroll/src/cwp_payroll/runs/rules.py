"""The payslip of one worker for one month: pure, integer fen, no I/O, no clock.

gross = basic + performance (unless held for the year's end) + allowances + arrears
        (+ the annual bonus in the run that pays it)
contributions: the worker's pay basis clamped to the base floor and cap, × each rate;
     the basis is the previous year's average monthly pay (a new hire: the first
     month's regular pay, kept for the year), or the month's regular pay where the
     policy says "month_pay" (REFERENCE §3.4)
tax: cumulative withholding on the month's income (the bonus apart when it is taxed
     separately), see cwp_payroll.tax.rules
net = gross − the employee's contributions − tax − bonus tax
employer cost = gross + the employer's contributions
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import orjson

from cwp_payroll.money import apply_rate, round_div
from cwp_payroll.policy.rules import Contributions, Standard
from cwp_payroll.tax import rules as tax

# Why a worker was not paid: fixed codes with fixed texts (never input values).
REASONS = {
    "no_grade": "No grade or pay coefficient from career / 无岗位等级或薪酬系数",
    "example_coefficient": "The grade's pay coefficient is only example data / 薪酬系数为示例数据",
    "no_pay_standard": "No pay standard applies / 无适用的薪酬标准",
    "example_pay_standard": "The pay standard is only example data / 薪酬标准为示例数据",
    "no_insurance_policy": "No social insurance policy applies / 无适用的社保公积金政策",
    "example_insurance_policy": "The social insurance policy is only example data / 社保政策为示例数据",
    "no_reference_wage": "The policy's reference wage is not loaded / 缺少政策所需的社会平均工资",
    "housing_cap_below_floor": "The housing fund base cap is below its floor / 公积金基数上限低于下限",
    "paid_by_another_run": "Already paid for this month by another run / 本月已由其他批次发放",
    "negative_net": "Deductions exceed the pay / 扣款超过应发工资",
    "invalid_data": "The worker's pay data could not be computed / 该人员薪酬数据无法计算",
}


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        assert reason in REASONS
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)  # not frozen: a frozen init costs a setattr call per field, per worker
class WorkerPay:
    """What the projection knows of a worker, as the run reads it."""

    worker_id: uuid.UUID
    name: str
    community_code: str
    position: str
    service_start_date: date
    category: str | None
    grade: int | None
    coefficient_e4: int | None
    grade_example: bool
    qualification: str | None
    qualification_date: date | None
    one_off_due: bool  # the one-off qualification allowance is not yet paid for this level
    additional_deductions: int
    bonus_separate: bool


@dataclass(frozen=True, slots=True)
class Month:
    period: int  # yyyymm
    first: date
    last: date
    annual_bonus: bool  # this run pays the year-end performance pay as (part of) the annual bonus
    demo: bool  # the worker's community is in the demo region: example data may be paid


def month_of(period: int) -> tuple[date, date]:
    year, month = divmod(period, 100)
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


def full_years(start: date, on: date) -> int:
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return max(0, years)


def standard_pay(base: int, coefficient_e4: int) -> int:
    """Base × grade coefficient, to the fen, half up."""
    return round_div(base * coefficient_e4, 10_000)


def arrears_for(base: int, paid_e4: int, new_e4: int) -> int:
    """One month's arrears (+) or recovery (−) when a grade change back-dated into an
    already paid month replaces the coefficient that month was paid at."""
    return standard_pay(base, new_e4) - standard_pay(base, paid_e4)


# The payslip's fields in the order compute_row returns them (the COPY column order of
# cwp_payroll.runs.writer, which adds run_id and chunk).
FIELDS: tuple[str, ...] = (
    "worker_id",
    "period",
    "community_code",
    "name",
    "position",
    "category",
    "grade",
    "coefficient_e4",
    "example",
    "base",
    "basic",
    "performance",
    "qualification_allowance",
    "seniority_allowance",
    "post_allowance",
    "other_allowances",
    "arrears",
    "bonus",
    "gross",
    "contribution_base",
    "housing_base",
    "pension_employee",
    "medical_employee",
    "unemployment_employee",
    "housing_employee",
    "pension_employer",
    "medical_employer",
    "unemployment_employer",
    "injury_employer",
    "housing_employer",
    "tax_income",
    "special_deductions",
    "additional_deductions",
    "tax",
    "bonus_tax",
    "net",
    "employer_cost",
    "lines",
    "pay_basis",
)
GROSS, TAX, BONUS_TAX, NET, EMPLOYER_COST, LINES = (
    FIELDS.index(f) for f in ("gross", "tax", "bonus_tax", "net", "employer_cost", "lines")
)


def compute(
    w: WorkerPay,
    m: Month,
    standard: Standard | None,
    contributions: Contributions | None,
    ytd: tax.YearToDate,
    arrears: int,
    basis: int | None = None,
    bonus_line: int = 0,
) -> dict[str, object]:
    """The payslip of `w` for month `m` by field name (lines as a list), or Refused."""
    values = compute_row(w, m, standard, contributions, ytd, arrears, basis, bonus_line)
    row = dict(zip(FIELDS, values, strict=True))
    row["lines"] = orjson.loads(row["lines"])  # type: ignore[arg-type]
    return row


def compute_row(
    w: WorkerPay,
    m: Month,
    standard: Standard | None,
    contributions: Contributions | None,
    ytd: tax.YearToDate,
    arrears: int,
    basis: int | None = None,
    bonus_line: int = 0,
) -> tuple[object, ...]:
    """The payslip of `w` for month `m` as one tuple in FIELDS order (the named lines as
    JSON text), or Refused with the reason. A run writes the tuple as it is: no
    per-payslip dict.

    `basis`: the worker's contribution basis for the year when one is set (the previous
    year's average monthly pay, or a new hire's first month's pay); None: this month
    sets it (a new hire's first month). `bonus_line`: the annual one-off bonus staff
    entered for this month (fen), added to the year-end performance pay a bonus run
    pays; the two are one bonus, taxed together."""
    if w.coefficient_e4 is None or w.grade is None or w.category is None:
        raise Refused("no_grade")
    if w.grade_example and not m.demo:
        raise Refused("example_coefficient")
    if standard is None:
        raise Refused("no_pay_standard")
    if standard.example and not m.demo:
        raise Refused("example_pay_standard")
    if contributions is None:
        raise Refused("no_insurance_policy")
    if contributions.example and not m.demo:
        raise Refused("example_insurance_policy")
    if contributions.housing_cap < contributions.housing_floor:
        raise Refused("housing_cap_below_floor")

    pay = standard_pay(standard.base, w.coefficient_e4)
    performance = apply_rate(pay, standard.performance)
    basic = pay - performance
    paid_performance = 0 if standard.year_end else performance
    bonus = (performance * 12 if (standard.year_end and m.annual_bonus) else 0) + bonus_line

    qualification = one_off = 0
    if w.qualification and w.qualification_date and w.qualification_date <= m.last:
        amount = standard.qualification.get(w.qualification, 0)
        if standard.qualification_schedule == "monthly":
            qualification = amount
        elif w.one_off_due:
            one_off = amount
    seniority = standard.seniority_per_year * full_years(w.service_start_date, m.last)
    if standard.seniority_cap is not None:
        seniority = min(seniority, standard.seniority_cap)
    post = standard.post.get(w.position, 0)
    other = standard.other_total
    if one_off or arrears or bonus_line:
        extra: list[list[object]] = [[name, amount] for name, amount in standard.other]
        if one_off:
            extra.append(["qualification_one_off", one_off])
        if arrears:
            extra.append(["arrears" if arrears > 0 else "recovery", arrears])
        if bonus_line:
            extra.append(["annual_bonus", bonus_line])
        lines = orjson.dumps(extra).decode()
    else:
        lines = standard.other_lines  # the same text for every payslip of the standard

    regular = basic + paid_performance + qualification + seniority + post + other
    gross = regular + one_off + arrears + bonus

    c = contributions
    if basis is None or c.month_pay:
        basis = regular
    base = min(max(basis, c.floor), c.cap)
    housing_base = min(max(basis, c.housing_floor), c.housing_cap)
    pension_ee = apply_rate(base, c.pension.employee)
    medical_ee = apply_rate(base, c.medical.employee)
    unemployment_ee = apply_rate(base, c.unemployment.employee)
    housing_ee = apply_rate(housing_base, c.housing.employee)
    special = pension_ee + medical_ee + unemployment_ee + housing_ee

    separate = bool(bonus) and tax.bonus_separately(w.bonus_separate, m.last, ytd.bonus_separated)
    tax_income = gross - bonus if separate else gross
    withholding = tax.withhold(ytd, tax_income, special, w.additional_deductions)
    bonus_tax = tax.bonus_tax(bonus) if separate else 0
    net = gross - special - withholding.withholding - bonus_tax
    if net < 0:
        raise Refused("negative_net")

    pension_er = apply_rate(base, c.pension.employer)
    medical_er = apply_rate(base, c.medical.employer)
    unemployment_er = apply_rate(base, c.unemployment.employer)
    injury_er = apply_rate(base, c.injury)
    housing_er = apply_rate(housing_base, c.housing.employer)
    employer = pension_er + medical_er + unemployment_er + injury_er + housing_er

    return (
        w.worker_id,
        m.period,
        w.community_code,
        w.name,
        w.position,
        w.category,
        w.grade,
        w.coefficient_e4,
        w.grade_example or standard.example or c.example,
        standard.base,
        basic,
        paid_performance,
        qualification + one_off,
        seniority,
        post,
        other,
        arrears,
        bonus,
        gross,
        base,
        housing_base,
        pension_ee,
        medical_ee,
        unemployment_ee,
        housing_ee,
        pension_er,
        medical_er,
        unemployment_er,
        injury_er,
        housing_er,
        tax_income,
        special,
        w.additional_deductions,
        withholding.withholding,
        bonus_tax,
        net,
        gross + employer,
        lines,
        basis,
    )
