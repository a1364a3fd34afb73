"""Individual income tax on wages, in integer fen (REFERENCE §3.6).

Cumulative withholding (累计预扣法, 国家税务总局公告2018年第61号): for month n at one
employer, cumulative taxable income = cumulative income − 5,000 × n − cumulative special
deductions (the employee's 三险一金) − cumulative special additional deductions; the tax
on it by the annual table (预扣率表一) minus what was withheld before is this month's
withholding, never below zero (a negative result waits for the annual reconciliation).

The annual one-off bonus (全年一次性奖金) may be taxed on its own until 2027-12-31
(财政部 税务总局公告2023年第30号): bonus ÷ 12 picks the rate of the monthly table and
tax = bonus × rate − quick deduction.

Every product is rounded half up to the fen (apply_rate), never through float."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cwp_payroll.money import Rate, apply_rate

BASIC_DEDUCTION = 500_000  # 5,000 元 a month, in fen

# (upper bound of cumulative taxable income in fen or None, rate, quick deduction in fen)
ANNUAL_TABLE: tuple[tuple[int | None, Rate, int], ...] = (
    (3_600_000, Rate("0.03"), 0),
    (14_400_000, Rate("0.10"), 252_000),
    (30_000_000, Rate("0.20"), 1_692_000),
    (42_000_000, Rate("0.25"), 3_192_000),
    (66_000_000, Rate("0.30"), 5_292_000),
    (96_000_000, Rate("0.35"), 8_592_000),
    (None, Rate("0.45"), 18_192_000),
)

# The monthly table the separately taxed bonus uses, on bonus ÷ 12.
MONTHLY_TABLE: tuple[tuple[int | None, Rate, int], ...] = (
    (300_000, Rate("0.03"), 0),
    (1_200_000, Rate("0.10"), 21_000),
    (2_500_000, Rate("0.20"), 141_000),
    (3_500_000, Rate("0.25"), 266_000),
    (5_500_000, Rate("0.30"), 441_000),
    (8_000_000, Rate("0.35"), 716_000),
    (None, Rate("0.45"), 1_516_000),
)

# The separate taxation of the annual bonus is in force through this day.
BONUS_SEPARATE_UNTIL = date(2027, 12, 31)


def bracket(taxable: int, table: tuple[tuple[int | None, Rate, int], ...]) -> tuple[Rate, int]:
    for upper, rate, quick in table:
        if upper is None or taxable <= upper:
            return rate, quick
    raise AssertionError("the last bracket has no upper bound")


def annual_tax(taxable: int) -> int:
    """Tax on a cumulative taxable income (fen) by the annual table."""
    if taxable <= 0:
        return 0
    rate, quick = bracket(taxable, ANNUAL_TABLE)
    return apply_rate(taxable, rate) - quick


@dataclass(frozen=True, slots=True)
class YearToDate:
    """What earlier months of the tax year at this employer add up to (fen)."""

    months: int = 0
    income: int = 0
    special: int = 0  # 专项扣除: the employee's 三险一金
    additional: int = 0  # 专项附加扣除
    withheld: int = 0
    # An annual bonus was already taxed separately this tax year: the option may be
    # used once a year (财税〔2018〕164号, kept by 公告2023年第30号).
    bonus_separated: bool = False


@dataclass(frozen=True, slots=True)
class Withholding:
    month: int  # the month's rank in the tax year at this employer (n)
    income: int  # cumulative
    basic: int  # cumulative 减除费用
    special: int
    additional: int
    taxable: int
    rate: Rate
    quick: int
    tax: int  # cumulative tax due
    withheld_before: int
    withholding: int  # this month's


def withhold(ytd: YearToDate, income: int, special: int, additional: int) -> Withholding:
    """This month's withholding after the months in `ytd`."""
    n = ytd.months + 1
    cum_income = ytd.income + income
    cum_special = ytd.special + special
    cum_additional = ytd.additional + additional
    basic = BASIC_DEDUCTION * n
    taxable = max(0, cum_income - basic - cum_special - cum_additional)
    rate, quick = bracket(taxable, ANNUAL_TABLE)
    tax = annual_tax(taxable)
    return Withholding(
        month=n,
        income=cum_income,
        basic=basic,
        special=cum_special,
        additional=cum_additional,
        taxable=taxable,
        rate=rate,
        quick=quick,
        tax=tax,
        withheld_before=ytd.withheld,
        withholding=max(0, tax - ytd.withheld),
    )


def after(
    ytd: YearToDate, w: Withholding, income: int, special: int, additional: int
) -> YearToDate:
    """The year to date once this month is counted."""
    return YearToDate(
        months=w.month,
        income=ytd.income + income,
        special=ytd.special + special,
        additional=ytd.additional + additional,
        withheld=ytd.withheld + w.withholding,
    )


def bonus_tax(bonus: int) -> int:
    """Tax on an annual one-off bonus taxed separately (fen)."""
    if bonus <= 0:
        return 0
    # bonus ÷ 12 against the monthly bounds, compared exactly as bonus against 12 × bound.
    for upper, rate, quick in MONTHLY_TABLE:
        if upper is None or bonus <= upper * 12:
            return max(0, apply_rate(bonus, rate) - quick)
    raise AssertionError("the last bracket has no upper bound")


def bonus_separately(chosen: bool, paid_on: date, used: bool = False) -> bool:
    """Whether a bonus paid on `paid_on` is taxed separately: the worker's choice, while
    the rule is in force, and once a tax year (`used`: already this year)."""
    return chosen and paid_on <= BONUS_SEPARATE_UNTIL and not used
