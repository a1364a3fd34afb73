"""Tax previews: pure computations, nothing stored."""

from __future__ import annotations

from cwp_payroll.money import to_fen, yuan
from cwp_payroll.tax import rules
from cwp_payroll.tax.schemas import BonusIn, BonusOut, MonthOut, PreviewIn, PreviewOut


def preview(body: PreviewIn) -> PreviewOut:
    ytd = rules.YearToDate()
    months: list[MonthOut] = []
    for m in body.months:
        income, special, additional = (
            to_fen(m.gross),
            to_fen(m.special_deductions),
            to_fen(m.additional_deductions),
        )
        w = rules.withhold(ytd, income, special, additional)
        months.append(MonthOut.from_model(w, income))
        ytd = rules.after(ytd, w, income, special, additional)
    return PreviewOut(months=months, total_withheld=yuan(ytd.withheld))


def bonus(body: BonusIn) -> BonusOut:
    fen = to_fen(body.bonus)
    return BonusOut(bonus=yuan(fen), tax=yuan(rules.bonus_tax(fen)))
