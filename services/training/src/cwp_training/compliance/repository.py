"""Compliance queries, set-based: one statement computes every current period of every
worker in a region (jurisdiction-wide rules and personal obligations), the minutes
attended inside each period, and aggregates them per sub-region. Nothing is computed
per worker in Python, so a province of a million workers is a handful of scans.

The rules in force arrive as a small literal table (a few rows: `RuleWindow`s); a worker
takes, per kind of period, the matching rule of highest rank (ROW_NUMBER)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Subquery

from cwp_common.auth import Principal
from cwp_common.scope import CODE_LENGTH, jurisdiction_clause, region_clause
from cwp_training.classes.models import Attendance
from cwp_training.compliance.models import Obligation, Requirement
from cwp_training.compliance.rules import MINUTES_PER_HOUR, RuleWindow
from cwp_training.qualifications.models import Qualification
from cwp_training.workers.models import Worker

# The next level below a region: province 2 -> prefecture 4 -> county 6 -> street 9 ->
# community 12.
NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


@dataclass(frozen=True)
class PeriodRow:
    worker_id: uuid.UUID
    community_code: str
    kind: str
    start: date
    end: date
    hours_due: int
    minutes_done: int
    example: bool


@dataclass(frozen=True)
class RegionRow:
    region: str
    workers: int
    minutes_due: int
    minutes_credited: int
    compliant: int


def _rules_table(windows: Sequence[RuleWindow]) -> Subquery:
    def row(w: RuleWindow) -> Select[str, str, str, str, date, date, int, int, bool]:
        pad = CODE_LENGTH - len(w.jurisdiction)
        stmt = select(
            literal(w.kind, String).label("kind"),
            literal(w.jurisdiction + "0" * pad, String).label("lo"),
            literal(w.jurisdiction + "9" * pad, String).label("hi"),
            literal(w.position or "", String).label("position"),
            literal(w.start, Date).label("start"),
            literal(w.end, Date).label("end"),
            literal(w.hours, Integer).label("hours"),
            literal(w.rank, Integer).label("rank"),
            literal(w.example, Boolean).label("example"),
        )
        return stmt

    if not windows:  # no rule at all: a table with no row
        return (
            row(RuleWindow("yearly", "", None, date.min, date.min, 0, 0, False))
            .where(literal(False))
            .subquery("rules")
        )
    return union_all(*(row(w) for w in windows)).subquery("rules")


class ComplianceRepository:
    """Compliance of the workers in the caller's scope (and under `region`)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _workers(self, region: str, worker_id: uuid.UUID | None) -> Subquery:
        stmt = select(Worker.worker_id, Worker.community_code, Worker.position).where(
            region_clause(Worker.community_code, self.principal.region),
            region_clause(Worker.community_code, region),
            Worker.status != "exited",
        )
        if worker_id is not None:
            stmt = stmt.where(Worker.worker_id == worker_id)
        return stmt.subquery("w")

    def periods(
        self,
        windows: Sequence[RuleWindow],
        as_of: date,
        region: str = "",
        worker_id: uuid.UUID | None = None,
    ) -> Subquery:
        """Every current period of every worker, with the minutes done inside it."""
        w = self._workers(region, worker_id)
        rules = _rules_table(windows)
        ranked = (
            select(
                w.c.worker_id,
                w.c.community_code,
                rules.c.kind,
                rules.c.start,
                rules.c.end,
                rules.c.hours,
                rules.c.example,
                func.row_number()
                .over(partition_by=(w.c.worker_id, rules.c.kind), order_by=rules.c.rank.desc())
                .label("rn"),
            )
            .join(
                rules,
                and_(
                    w.c.community_code >= rules.c.lo,
                    w.c.community_code <= rules.c.hi,
                    or_(rules.c.position == "", rules.c.position == w.c.position),
                ),
            )
            .subquery("ranked")
        )
        jurisdiction_wide = select(
            ranked.c.worker_id,
            ranked.c.community_code,
            ranked.c.kind,
            ranked.c.start,
            ranked.c.end,
            ranked.c.hours,
            ranked.c.example,
        ).where(ranked.c.rn == 1)
        personal = select(
            w.c.worker_id,
            w.c.community_code,
            Obligation.kind,
            Obligation.period_start.label("start"),
            Obligation.period_end.label("end"),
            Obligation.hours_due.label("hours"),
            Obligation.example,
        ).join(
            Obligation,
            and_(
                Obligation.worker_id == w.c.worker_id,
                Obligation.period_start <= as_of,
                Obligation.period_end >= as_of,
            ),
        )
        p = union_all(jurisdiction_wide, personal).subquery("p")
        return (
            select(
                p.c.worker_id,
                p.c.community_code,
                p.c.kind,
                p.c.start,
                p.c.end,
                p.c.hours,
                p.c.example,
                func.coalesce(func.sum(Attendance.minutes), 0).label("done"),
            )
            .outerjoin(
                Attendance,
                and_(
                    Attendance.worker_id == p.c.worker_id,
                    Attendance.day >= p.c.start,
                    Attendance.day <= p.c.end,
                ),
            )
            .group_by(
                p.c.worker_id,
                p.c.community_code,
                p.c.kind,
                p.c.start,
                p.c.end,
                p.c.hours,
                p.c.example,
            )
            .subquery("done")
        )

    async def of_worker(
        self, windows: Sequence[RuleWindow], as_of: date, worker_id: uuid.UUID
    ) -> list[PeriodRow]:
        d = self.periods(windows, as_of, worker_id=worker_id)
        rows = (await self.session.execute(select(d).order_by(d.c.kind, d.c.start))).all()
        return [
            PeriodRow(
                r.worker_id, r.community_code, r.kind, r.start, r.end, r.hours, r.done, r.example
            )
            for r in rows
        ]

    async def by_region(
        self, windows: Sequence[RuleWindow], as_of: date, region: str
    ) -> list[RegionRow]:
        """Per sub-region one level below `region`: serving workers, minutes due and
        credited (done, capped at due, per period), and workers with no shortfall."""
        d = self.periods(windows, as_of, region)
        due = d.c.hours * MINUTES_PER_HOUR
        credited = case((d.c.done > due, due), else_=d.c.done)
        per_worker = (
            select(
                d.c.worker_id,
                d.c.community_code,
                func.sum(due).label("due"),
                func.sum(credited).label("credited"),
            )
            .group_by(d.c.worker_id, d.c.community_code)
            .subquery("pw")
        )
        length = NEXT_LEVEL[len(region)]
        sub = func.substr(per_worker.c.community_code, 1, length)
        owing = select(
            sub.label("sub"),
            func.sum(per_worker.c.due).label("due"),
            func.sum(per_worker.c.credited).label("credited"),
            func.sum(case((per_worker.c.credited < per_worker.c.due, 1), else_=0)).label("short"),
        ).group_by(sub)
        w = self._workers(region, None)
        wsub = func.substr(w.c.community_code, 1, length)
        heads = select(wsub.label("sub"), func.count().label("n")).group_by(wsub)
        owed = {r.sub: r for r in (await self.session.execute(owing)).all()}
        out = []
        for r in (await self.session.execute(heads.order_by(wsub))).all():
            o = owed.get(r.sub)
            out.append(
                RegionRow(
                    r.sub,
                    r.n,
                    int(o.due) if o else 0,
                    int(o.credited) if o else 0,
                    r.n - (int(o.short) if o else 0),
                )
            )
        return out

    async def certificate_holders(self, region: str) -> dict[str, int]:
        """Serving workers in the region by their highest qualification level."""
        w = self._workers(region, None)
        level_rank = case(
            (Qualification.level == "senior", 3),
            (Qualification.level == "intermediate", 2),
            else_=1,
        )
        highest = (
            select(Qualification.worker_id, func.max(level_rank).label("rank"))
            .join(w, w.c.worker_id == Qualification.worker_id)
            .group_by(Qualification.worker_id)
            .subquery("h")
        )
        rows = (
            await self.session.execute(
                select(highest.c.rank, func.count()).group_by(highest.c.rank)
            )
        ).all()
        names = {1: "assistant", 2: "intermediate", 3: "senior"}
        counts = dict.fromkeys(names.values(), 0)
        for rank, n in rows:
            counts[names[int(rank)]] = int(n)
        return counts

    async def published(self, as_of: date, region: str) -> Sequence[Requirement]:
        """Published requirements in force: those of jurisdictions containing the region
        or inside it (national on purpose within that: reference data, not records)."""
        stmt = select(Requirement).where(
            Requirement.effective_from <= as_of,
            jurisdiction_clause(Requirement.jurisdiction, region),
        )
        return (await self.session.scalars(stmt)).all()
