"""Compliance queries, set-based. Every worker of a region is read once with the
minutes they attended inside each distinct window of the rules in force (conditional
sums over their per-year totals, `YearMinutes`, kept by every ledger write: a few rows
per worker instead of the whole ledger), the rule that applies to
them per kind of period is picked by a CASE over the few rules (most specific first),
and personal obligations (pre-service, registration periods) are joined per worker.
A region's report then groups those per-worker rows by sub-region: nothing is computed
per worker in Python, so a province of a million workers is a few scans.

The rules arrive as `RuleWindow`s (a handful per region) and become SQL expressions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery

from cwp_common.auth import Principal
from cwp_common.db import AnySelect
from cwp_common.scope import jurisdiction_clause, region_clause
from cwp_training.classes.models import YearMinutes
from cwp_training.compliance.models import Obligation, Requirement
from cwp_training.compliance.rules import MINUTES_PER_HOUR, RuleWindow
from cwp_training.db import dialect_of
from cwp_training.qualifications.models import Qualification
from cwp_training.workers.models import Worker
from cwp_training.workers.scope import own_rows

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]  # any row shape

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


def _capped(done: Any, due: Any) -> ColumnElement[Any]:
    """Minutes credited: done, up to what is due (LEAST, portable)."""
    return case((done > due, due), else_=done)


class _Plan:
    """The rules of one request as SQL: for each kind of period, the candidate rules
    (most specific first) and the distinct windows whose minutes are summed."""

    def __init__(self, windows: Sequence[RuleWindow]) -> None:
        for w in windows:
            if (w.start.month, w.start.day, w.end.month, w.end.day) != (1, 1, 12, 31):
                raise ValueError(f"a {w.kind} window is not whole calendar years")
        self.spans = sorted({(w.start, w.end) for w in windows})
        self.kinds: dict[str, list[RuleWindow]] = {}
        for w in sorted(windows, key=lambda w: -w.rank):
            self.kinds.setdefault(w.kind, []).append(w)

    @staticmethod
    def matches(w: RuleWindow, code: Any, position: Any) -> ColumnElement[bool]:
        clause = region_clause(code, w.jurisdiction)
        return and_(clause, position == w.position) if w.position else clause

    def pick(self, kind: str, code: Any, position: Any, value: Any) -> ColumnElement[Any]:
        """CASE: `value(rule)` of the first (most specific) rule of `kind` that applies."""
        return case(
            *[(self.matches(w, code, position), value(w)) for w in self.kinds[kind]],
            else_=null(),
        )


class ComplianceRepository:
    """Compliance of the workers in the caller's scope (and under `region`)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _in_scope(self, stmt: S, region: str, worker_id: uuid.UUID | None) -> S:
        stmt = own_rows(stmt, self.principal, Worker.worker_id).where(
            region_clause(Worker.community_code, self.principal.region),
            region_clause(Worker.community_code, region),
            Worker.status != "exited",
        )
        return stmt.where(Worker.worker_id == worker_id) if worker_id is not None else stmt

    def _minutes(self, plan: _Plan, region: str, worker_id: uuid.UUID | None) -> AnySelect:
        """Each serving worker with the minutes attended in each window (m0, m1 ...),
        from the per-year totals (every window is whole calendar years): a window of
        one year is that year's row (the key is worker and year, so no grouping), a
        longer one the sum of its years' rows per worker."""
        stmt: Any = select(Worker.worker_id, Worker.community_code, Worker.position)
        for i, (s, e) in enumerate(plan.spans):
            if s.year == e.year:
                one = aliased(YearMinutes, name=f"y{i}")
                stmt = stmt.outerjoin(
                    one, and_(one.worker_id == Worker.worker_id, one.year == s.year)
                )
                minutes: Any = one.minutes
            else:
                many = (
                    select(YearMinutes.worker_id, func.sum(YearMinutes.minutes).label("minutes"))
                    .where(YearMinutes.year >= s.year, YearMinutes.year <= e.year)
                    .group_by(YearMinutes.worker_id)
                    .subquery(f"y{i}")
                )
                stmt = stmt.outerjoin(many, many.c.worker_id == Worker.worker_id)
                minutes = many.c.minutes
            stmt = stmt.add_columns(func.coalesce(minutes, 0).label(f"m{i}"))
        return self._in_scope(stmt, region, worker_id)

    def _personal(self, as_of: date, region: str, worker_id: uuid.UUID | None) -> AnySelect:
        """Each current personal obligation of a serving worker, with its minutes done
        (kept on the obligation by every ledger write: no ledger read here)."""
        stmt: Any = (
            select(
                Obligation.worker_id,
                Worker.community_code,
                Obligation.kind,
                Obligation.period_start.label("start"),
                Obligation.period_end.label("end"),
                Obligation.hours_due.label("hours"),
                Obligation.example,
                Obligation.minutes_done.label("done"),
            )
            .join(Worker, Worker.worker_id == Obligation.worker_id)
            .where(Obligation.period_start <= as_of, Obligation.period_end >= as_of)
        )
        return self._in_scope(stmt, region, worker_id)

    def periods(
        self,
        windows: Sequence[RuleWindow],
        as_of: date,
        region: str = "",
        worker_id: uuid.UUID | None = None,
    ) -> Subquery:
        """Every current period of every worker (worker_id, community_code, kind, start,
        end, hours, example, done): one row per jurisdiction-wide kind that applies to
        the worker, and one per personal obligation."""
        plan = _Plan(windows)
        m = self._minutes(plan, region, worker_id).cte("m")  # read once per kind
        code, position = m.c.community_code, m.c.position
        span = {s: i for i, s in enumerate(plan.spans)}
        parts: list[AnySelect] = []
        for kind in plan.kinds:
            hours = plan.pick(kind, code, position, lambda w: literal(w.hours))
            parts.append(
                select(
                    m.c.worker_id,
                    m.c.community_code,
                    literal(kind).label("kind"),
                    plan.pick(kind, code, position, lambda w: literal(w.start)).label("start"),
                    plan.pick(kind, code, position, lambda w: literal(w.end)).label("end"),
                    hours.label("hours"),
                    plan.pick(kind, code, position, lambda w: literal(w.example)).label("example"),
                    plan.pick(
                        kind, code, position, lambda w: m.c[f"m{span[(w.start, w.end)]}"]
                    ).label("done"),
                ).where(hours.is_not(None))
            )
        o = self._personal(as_of, region, worker_id).subquery("o")
        parts.append(
            select(
                o.c.worker_id,
                o.c.community_code,
                o.c.kind,
                o.c.start,
                o.c.end,
                o.c.hours,
                o.c.example,
                o.c.done,
            )
        )
        return union_all(*parts).subquery("p")

    async def of_worker(
        self, windows: Sequence[RuleWindow], as_of: date, worker_id: uuid.UUID
    ) -> list[PeriodRow]:
        p = self.periods(windows, as_of, worker_id=worker_id)
        rows = (await self.session.execute(select(p).order_by(p.c.kind, p.c.start))).all()
        return [
            PeriodRow(
                r.worker_id,
                r.community_code,
                r.kind,
                r.start,
                r.end,
                r.hours,
                r.done,
                bool(r.example),
            )
            for r in rows
        ]

    async def by_region(
        self, windows: Sequence[RuleWindow], as_of: date, region: str
    ) -> list[RegionRow]:
        """Per sub-region one level below `region`: serving workers, minutes due and
        credited (done, capped at due, per period), and workers with no shortfall."""
        if dialect_of(self.session) == "postgresql":
            # For this transaction only: a province's report hashes a million workers
            # (in memory, not in batches on disk), and JIT compiling its many CASE
            # expressions costs more than it saves (measured: seconds).
            await self.session.execute(select(func.set_config("work_mem", "256MB", True)))
            await self.session.execute(select(func.set_config("jit", "off", True)))
        plan = _Plan(windows)
        m = self._minutes(plan, region, None).subquery("m")
        code, position = m.c.community_code, m.c.position
        span = {s: i for i, s in enumerate(plan.spans)}
        due_parts: list[Any] = []
        credited_parts: list[Any] = []
        short_parts: list[Any] = []
        for kind in plan.kinds:
            due = func.coalesce(
                plan.pick(kind, code, position, lambda w: literal(w.hours * MINUTES_PER_HOUR)), 0
            )
            done = plan.pick(kind, code, position, lambda w: m.c[f"m{span[(w.start, w.end)]}"])
            due_parts.append(due)
            credited_parts.append(func.coalesce(_capped(done, due), 0))
            short_parts.append(func.coalesce(done, 0) < due)
        # The obligations in force, per worker; the join to the scoped workers (m)
        # below keeps only those in scope, so no second read of the workers here.
        o_due = Obligation.hours_due * MINUTES_PER_HOUR
        kept = Obligation.minutes_done
        personal = (
            select(
                Obligation.worker_id,
                func.sum(o_due).label("due"),
                func.sum(_capped(kept, o_due)).label("credited"),
                func.max(case((kept < o_due, 1), else_=0)).label("short"),
            )
            .where(Obligation.period_start <= as_of, Obligation.period_end >= as_of)
            .group_by(Obligation.worker_id)
            .subquery("po")
        )
        due_total = sum(due_parts, func.coalesce(personal.c.due, 0))
        credited_total = sum(credited_parts, func.coalesce(personal.c.credited, 0))
        short = or_(func.coalesce(personal.c.short, 0) == 1, *short_parts)
        length = NEXT_LEVEL[len(region)]
        sub = func.substr(m.c.community_code, 1, length)
        stmt = (
            select(
                sub.label("sub"),
                func.count().label("n"),
                func.sum(due_total).label("due"),
                func.sum(credited_total).label("credited"),
                func.sum(case((short, 0), else_=1)).label("compliant"),
            )
            .select_from(m.outerjoin(personal, personal.c.worker_id == m.c.worker_id))
            .group_by(sub)
            .order_by(sub)
        )
        return [
            RegionRow(r.sub, int(r.n), int(r.due or 0), int(r.credited or 0), int(r.compliant or 0))
            for r in (await self.session.execute(stmt)).all()
        ]

    async def certificate_holders(self, region: str) -> dict[str, int]:
        """Serving workers in the region by their highest qualification level."""
        level_rank = case(
            (Qualification.level == "senior", 3),
            (Qualification.level == "intermediate", 2),
            else_=1,
        )
        highest = (
            self._in_scope(
                select(Qualification.worker_id, func.max(level_rank).label("rank")).join(
                    Worker, Worker.worker_id == Qualification.worker_id
                ),
                region,
                None,
            )
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
        or inside it (reference data for the region, not records of another one)."""
        stmt = select(Requirement).where(
            Requirement.effective_from <= as_of,
            jurisdiction_clause(Requirement.jurisdiction, region),
        )
        return (await self.session.scalars(stmt)).all()
