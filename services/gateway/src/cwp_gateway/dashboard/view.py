"""What a dashboard page shows, built from the services' answers: sections of figures,
each a chart and the table behind it, every number under a `data-metric` name. Pure:
answers and language in, a page model out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from cwp_gateway.dashboard import charts
from cwp_gateway.dashboard.i18n import Lang, code_name, text
from cwp_gateway.dashboard.sources import Figures

DISTRIBUTIONS = (
    "by_position",
    "by_employment_type",
    "by_status",
    "by_age_band",
    "by_sex",
    "by_education",
    "by_political_status",
    "by_qualification",
    "by_grade",
)
STAFFING = ("per_10k_residents", "national_target_per_10k", "local_target_per_10k")
WORKFORCE_CARDS = (
    "headcount",
    "communities",
    "residents",
    "households",
    "households_per_worker",
    "vacancies",
)
FLOWS = ("joiners", "leavers", "moved_in", "moved_out")


@dataclass(frozen=True)
class Cell:
    label: str
    metric: str  # the data-metric name
    value: str  # the plain number as the service gave it ("" when it has none)


@dataclass
class Figure:
    title: str
    chart: Markup
    columns: tuple[str, ...]  # the table's headings after the label column
    rows: list[tuple[str, list[Cell]]]  # label, then one cell per column


@dataclass
class Section:
    key: str
    title: str
    available: bool
    cards: list[Cell] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def number(value: Any) -> int | Decimal | None:
    """A count or an exact decimal string as a number to draw; None when absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plain(value: Any) -> str:
    return "" if value is None else str(value)


def _distribution(key: str, counts: Mapping[str, Any], lang: Lang, prefix: str = "") -> Figure:
    title = text(key, lang)
    rows = [(code_name(code, lang), code, n) for code, n in counts.items()]
    drawn = [(label, v) for label, _, n in rows if (v := number(n)) is not None]
    return Figure(
        title=title,
        chart=charts.bars(title, drawn),
        columns=(text("count", lang),),
        rows=[(label, [Cell(label, f"{prefix}{key}.{code}", plain(n))]) for label, code, n in rows],
    )


def workforce(data: Mapping[str, Any] | None, lang: Lang) -> Section:
    section = Section("workforce", text("workforce", lang), data is not None)
    if data is None:
        return section
    if data.get("age_bands_withheld"):
        section.notes.append(text("age_bands_withheld", lang))
    section.cards = [Cell(text(k, lang), k, plain(data.get(k))) for k in WORKFORCE_CARDS]
    staffing = [(text(k, lang), k, data.get(k)) for k in STAFFING]
    shown = number(data.get("per_10k_residents"))
    marks = [(label, v) for label, k, value in staffing[1:] if (v := number(value)) is not None]
    section.figures.append(
        Figure(
            title=text("staffing", lang),
            chart=charts.bars(
                text("staffing", lang),
                [] if shown is None else [(text("per_10k_residents", lang), shown)],
                marks,
            ),
            columns=(text("value", lang),),
            rows=[(label, [Cell(label, k, plain(v))]) for label, k, v in staffing],
        )
    )
    for key in DISTRIBUTIONS:
        counts = data.get(key)
        if isinstance(counts, dict):
            section.figures.append(_distribution(key, counts, lang))
    trend = [t for t in data.get("trend") or [] if isinstance(t, dict)]
    if trend:
        months = [str(t.get("month", "")) for t in trend]
        joiners = [number(t.get("joiners")) or 0 for t in trend]
        leavers = [number(t.get("leavers")) or 0 for t in trend]
        section.figures.append(
            Figure(
                title=text("trend", lang),
                chart=charts.columns(
                    text("trend", lang),
                    months,
                    [(text("joiners", lang), joiners), (text("leavers", lang), leavers)],
                ),
                columns=tuple(text(k, lang) for k in FLOWS if k in trend[0]),
                rows=[
                    (m, [Cell(m, f"trend.{m}.{k}", plain(t.get(k))) for k in FLOWS if k in t])
                    for m, t in zip(months, trend, strict=True)
                ],
            )
        )
    return section


def assessments(data: Mapping[str, Any] | None, lang: Lang) -> Section:
    section = Section("assessments", text("assessments", lang), data is not None)
    for year in (data or {}).get("years") or []:
        y = year.get("year")
        title = f"{text('assessments', lang)} {y}"
        counts: dict[str, Any] = year.get("by_result") or {}
        figure = _distribution(str(y), counts, lang, prefix="assessments.")
        figure.title = title
        figure.chart = charts.bars(
            title, [(r, v) for r, n in counts.items() if (v := number(n)) is not None]
        )
        section.cards.append(
            Cell(title, f"assessments.{y}.confirmed", plain(year.get("confirmed")))
        )
        section.figures.append(figure)
    return section


def pay(data: Mapping[str, Any] | None, lang: Lang) -> Section:
    section = Section("pay", text("pay", lang), data is not None)
    if data is None:
        return section
    section.cards = [
        Cell(text(k, lang), f"pay.{k}", plain(data.get(k)))
        for k in ("workers", "below_floor", "share_below_floor", "floor", "average_pay")
    ]
    by_region = [r for r in data.get("by_region") or [] if isinstance(r, dict)]
    cols = ("workers", "below_floor", "floor", "average_pay")
    section.figures.append(
        Figure(
            title=text("pay", lang),
            chart=charts.bars(
                text("average_pay", lang),
                [
                    (str(r.get("region")), v)
                    for r in by_region
                    if (v := number(r.get("average_pay"))) is not None
                ],
            ),
            columns=tuple(text(c, lang) for c in cols),
            rows=[
                (
                    str(r.get("region")),
                    [
                        Cell(c, f"pay.by_region.{r.get('region')}.{c}", plain(r.get(c)))
                        for c in cols
                    ],
                )
                for r in by_region
            ],
        )
    )
    return section


def training(data: Mapping[str, Any] | None, lang: Lang) -> Section:
    section = Section("training", text("training", lang), data is not None)
    if data is None:
        return section
    keys = ("workers", "hours_done", "hours_due", "shortfall", "workers_compliant")
    section.cards = [Cell(text(k, lang), f"training.{k}", plain(data.get(k))) for k in keys]
    hours = [
        (text(k, lang), v)
        for k in ("hours_done", "hours_due")
        if (v := number(data.get(k))) is not None
    ]
    section.figures.append(
        Figure(
            title=text("training", lang),
            chart=charts.bars(text("training", lang), hours),
            columns=(text("value", lang),),
            rows=[
                (text(k, lang), [Cell(text(k, lang), f"training.{k}", plain(data.get(k)))])
                for k in ("hours_done", "hours_due", "shortfall")
            ],
        )
    )
    holders = data.get("certificate_holders")
    if isinstance(holders, dict):
        section.figures.append(_distribution("certificate_holders", holders, lang, "training."))
    by_region = [r for r in data.get("by_region") or [] if isinstance(r, dict)]
    if by_region:
        cols = ("workers", "workers_compliant", "hours_done", "hours_due", "shortfall")
        section.figures.append(
            Figure(
                title=text("sub_regions", lang),
                chart=charts.bars(
                    text("shortfall", lang),
                    [
                        (str(r.get("region")), v)
                        for r in by_region
                        if (v := number(r.get("shortfall"))) is not None
                    ],
                ),
                columns=tuple(text(c, lang) for c in cols),
                rows=[
                    (
                        str(r.get("region")),
                        [
                            Cell(c, f"training.by_region.{r.get('region')}.{c}", plain(r.get(c)))
                            for c in cols
                        ],
                    )
                    for r in by_region
                ],
            )
        )
    return section


def sub_regions(data: Mapping[str, Any] | None, lang: Lang) -> Section:
    """The region's sub-regions side by side (from the workforce statistics)."""
    subs = [s for s in (data or {}).get("sub_regions") or [] if isinstance(s, dict)]
    section = Section("sub_regions", text("sub_regions", lang), data is not None)
    if not subs:
        return section
    cols = ("headcount", "per_10k_residents")

    def label(s: Mapping[str, Any]) -> str:
        return f"{s.get('name') or ''} {s.get('region')}".strip()

    section.figures.append(
        Figure(
            title=text("sub_regions", lang),
            chart=charts.bars(
                text("headcount", lang),
                [(label(s), v) for s in subs if (v := number(s.get("headcount"))) is not None],
            ),
            columns=tuple(text(c, lang) for c in cols),
            rows=[
                (
                    label(s),
                    [Cell(c, f"sub_regions.{s.get('region')}.{c}", plain(s.get(c))) for c in cols],
                )
                for s in subs
            ],
        )
    )
    return section


def sections(figures: Figures, lang: Lang) -> list[Section]:
    stats = figures.get("workforce")
    return [
        workforce(stats, lang),
        sub_regions(stats, lang),
        assessments(figures.get("assessments"), lang),
        pay(figures.get("pay"), lang),
        training(figures.get("training"), lang),
    ]
