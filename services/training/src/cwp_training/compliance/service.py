"""Compliance use cases: the rules in force, a worker's and a region's compliance, the
personal obligations (pre-service, registration periods), published requirements."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import AnySelect, new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.problems import Forbidden
from cwp_common.repository import Repository
from cwp_common.scope import ensure_writable, jurisdiction_clause
from cwp_training.classes import writer
from cwp_training.compliance import rules
from cwp_training.compliance.exceptions import RequirementExists
from cwp_training.compliance.models import Obligation, Requirement
from cwp_training.compliance.repository import ComplianceRepository, PeriodRow
from cwp_training.compliance.schemas import (
    PeriodOut,
    RegionComplianceOut,
    RequirementIn,
    RequirementOut,
    SubRegionOut,
    Totals,
    WorkerComplianceOut,
)
from cwp_training.policy.rules import resolve, shipped
from cwp_training.policy.schemas import PolicyOut
from cwp_training.workers.models import Worker
from cwp_training.workers.repository import WorkerRepository
from cwp_training.workers.scope import own_rows


async def rule_windows(
    session: AsyncSession, principal: Principal, as_of: date, region: str
) -> list[rules.RuleWindow]:
    """The jurisdiction-wide rules that may apply to someone in `region` on `as_of`:
    the latest shipped document and published rule of each jurisdiction containing the
    region or inside it."""
    windows: list[rules.RuleWindow] = []
    latest: dict[str, date] = {}
    for doc in shipped():
        if doc.requirements is None or doc.effective_from > as_of:
            continue
        if not (region.startswith(doc.jurisdiction) or doc.jurisdiction.startswith(region)):
            continue
        if doc.effective_from >= latest.get(doc.jurisdiction, date.min):
            latest[doc.jurisdiction] = doc.effective_from
    for jurisdiction, effective in latest.items():
        policy = resolve(
            jurisdiction, as_of, [d for d in shipped() if d.effective_from <= effective]
        )
        windows += rules.shipped_windows(policy, as_of, jurisdiction)
    newest: dict[tuple[str, str | None, str], Requirement] = {}
    for r in await ComplianceRepository(session, principal).published(as_of, region):
        k = (r.jurisdiction, r.position, r.period)
        if k not in newest or r.effective_from > newest[k].effective_from:
            newest[k] = r
    for r in newest.values():
        start, end = rules.period_window(r.period, as_of, r.cycle_start_year)
        windows.append(
            rules.RuleWindow(
                r.period,
                r.jurisdiction,
                r.position,
                start,
                end,
                r.hours,
                rules.rank(r.jurisdiction, r.position, True),
                False,
            )
        )
    return windows


def _period_out(p: PeriodRow) -> PeriodOut:
    due = p.hours_due * rules.MINUTES_PER_HOUR
    credited = rules.credited_minutes(p.minutes_done, p.hours_due)
    return PeriodOut(
        kind=p.kind,
        start=p.start,
        end=p.end,
        hours_due=rules.hours(due),
        hours_done=rules.hours(p.minutes_done),
        hours_credited=rules.hours(credited),
        shortfall=rules.hours(due - credited),
        example=p.example,
    )


async def worker_compliance(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, as_of: date
) -> WorkerComplianceOut:
    worker = await WorkerRepository(session, principal).get_or_404(worker_id)
    windows = await rule_windows(session, principal, as_of, worker.community_code)
    periods = await ComplianceRepository(session, principal).of_worker(windows, as_of, worker_id)
    due = sum(p.hours_due * rules.MINUTES_PER_HOUR for p in periods)
    credited = sum(rules.credited_minutes(p.minutes_done, p.hours_due) for p in periods)
    return WorkerComplianceOut(
        worker_id=worker_id,
        as_of=as_of,
        compliant=credited >= due,
        periods=[_period_out(p) for p in periods],
        **Totals.of_minutes(due, credited),
    )


def effective_region(principal: Principal, region: str | None) -> str:
    """The region asked for, narrowed to the caller's scope; one outside it is refused."""
    asked = principal.region if region is None else region
    if principal.region.startswith(asked):
        return principal.region  # wider than the scope: the scope itself
    if not principal.covers(asked):
        raise Forbidden("The region is outside your scope / 超出授权区域", slug="out-of-scope")
    return asked


async def region_compliance(
    session: AsyncSession, principal: Principal, region: str | None, as_of: date
) -> RegionComplianceOut:
    region = effective_region(principal, region)
    windows = await rule_windows(session, principal, as_of, region)
    repo = ComplianceRepository(session, principal)
    subs = await repo.by_region(windows, as_of, region)
    holders = await repo.certificate_holders(region)
    due = sum(s.minutes_due for s in subs)
    credited = sum(s.minutes_credited for s in subs)
    return RegionComplianceOut(
        region=region,
        as_of=as_of,
        workers=sum(s.workers for s in subs),
        workers_compliant=sum(s.compliant for s in subs),
        certificate_holders=holders,
        by_region=[
            SubRegionOut(
                region=s.region,
                workers=s.workers,
                workers_compliant=s.compliant,
                **Totals.of_minutes(s.minutes_due, s.minutes_credited),
            )
            for s in subs
        ],
        **Totals.of_minutes(due, credited),
    )


async def assign_pre_service(session: AsyncSession, worker: Worker, registered_on: date) -> None:
    """A newly registered worker owes the pre-service hours of their jurisdiction."""
    policy = resolve(worker.community_code, registered_on)
    window = rules.pre_service_window(
        worker.hire_date, registered_on, policy.pre_service.within_days
    )
    if window is None:
        return
    exists = await session.scalar(
        select(Obligation.id).where(
            Obligation.worker_id == worker.worker_id, Obligation.kind == "pre_service"
        )
    )
    if exists is not None:  # registered again after an exit: the first window stands
        return
    await _add_pre_service(session, worker, window, policy)


async def assign_transfer_pre_service(
    session: AsyncSession, worker: Worker, from_code: str, effective: date, received_on: date
) -> None:
    """A worker transferred in owes the new jurisdiction's pre-service hours when its
    rule says so (policy data `pre_service.on_transfer`), from the transfer's day."""
    policy = resolve(worker.community_code, effective)
    rule = policy.pre_service
    if not rules.transfer_owes_pre_service(rule.on_transfer, from_code, worker.community_code):
        return
    window = rules.pre_service_window(effective, received_on, rule.within_days)
    if window is None:  # the window had closed before the transfer reached training
        return
    exists = await session.scalar(
        select(Obligation.id).where(
            Obligation.worker_id == worker.worker_id,
            Obligation.kind == "pre_service",
            Obligation.period_start == window[0],
        )
    )
    if exists is None:
        await _add_pre_service(session, worker, window, policy)


async def _add_pre_service(
    session: AsyncSession, worker: Worker, window: tuple[date, date], policy: PolicyOut
) -> None:
    done = await writer.minutes_in(session, worker.worker_id, *window)
    session.add(
        Obligation(
            id=new_id(),
            worker_id=worker.worker_id,
            kind="pre_service",
            period_start=window[0],
            period_end=window[1],
            hours_due=policy.pre_service.hours,
            minutes_done=done,
            example="pre_service" in policy.examples,
            created_at=utcnow(),
        )
    )


async def registration_period(
    session: AsyncSession,
    worker_id: uuid.UUID,
    qualification_id: uuid.UUID,
    level: str,
    community_code: str,
    start: date,
) -> Obligation:
    """A 3-year registration period with its continuing-education hours (policy data),
    added to the session with the minutes already in its window."""
    ce = resolve(community_code, start).continuing_education
    first, last = rules.registration_window(start, ce.period_years)
    row = Obligation(
        id=new_id(),
        worker_id=worker_id,
        kind="continuing_education",
        level=level,
        qualification_id=qualification_id,
        period_start=first,
        period_end=last,
        hours_due=ce.hours[level],  # type: ignore[index]
        minutes_done=await writer.minutes_in(session, worker_id, first, last),
        example=False,
        created_at=utcnow(),
    )
    session.add(row)
    return row


class RequirementRepository(Repository[Requirement]):
    model = Requirement
    key = Requirement.id
    label = "Requirement"

    def scope(self, stmt: AnySelect) -> AnySelect:
        """Requirements of jurisdictions containing the caller's region or inside it."""
        stmt = own_rows(stmt, self.principal, None)
        return stmt.where(jurisdiction_clause(Requirement.jurisdiction, self.principal.region))


async def create_requirement(
    session: AsyncSession, principal: Principal, body: RequirementIn
) -> RequirementOut:
    ensure_writable(principal, body.jurisdiction)
    row = Requirement(id=new_id(), created_at=utcnow(), **body.model_dump())
    try:
        async with session.begin():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise RequirementExists() from None
    return RequirementOut.from_model(row)


async def list_requirements(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[RequirementOut]:
    repo = RequirementRepository(session, principal)
    rows, nxt = await repo.page(repo.scoped(), cursor, limit)
    return Page(items=[RequirementOut.from_model(r) for r in rows], next_cursor=nxt)
