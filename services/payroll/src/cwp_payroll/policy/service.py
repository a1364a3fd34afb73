"""Policy use cases: publish a dated policy document, load a reference wage, list and
read them; and the shipped data (national wages, the demo region's policy)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.pagination import Page
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_payroll.money import to_fen
from cwp_payroll.policy.exceptions import PolicyExists, ReferenceWageExists
from cwp_payroll.policy.models import PayPolicy, ReferenceWage
from cwp_payroll.policy.repository import PolicyRepository, ReferenceWageRepository
from cwp_payroll.policy.rules import check_allowance_names
from cwp_payroll.policy.schemas import (
    BODIES,
    PolicyIn,
    PolicyOut,
    ReferenceWageIn,
    ReferenceWageOut,
    Strict,
)


def _document(body: Strict) -> str:
    return orjson.dumps(body.model_dump(mode="json")).decode()


async def publish(
    session: AsyncSession, principal: Principal, kind: str, req: PolicyIn, body: Strict
) -> PolicyOut:
    ensure_writable(principal, req.jurisdiction)
    check_allowance_names(body)
    async with session.begin():
        repo = PolicyRepository(session, principal)
        if await repo.exists(req.jurisdiction, kind, req.effective_date):
            raise PolicyExists
        row = PayPolicy(
            id=new_id(),
            jurisdiction=req.jurisdiction,
            kind=kind,
            effective_date=req.effective_date,
            body=_document(body),
            example=req.example,
            created_by=principal.subject,
            created_at=utcnow(),
        )
        repo.add(row)
    return PolicyOut.from_model(row)


async def list_policies(
    session: AsyncSession,
    principal: Principal,
    kind: str | None,
    jurisdiction: str | None,
    cursor: str | None,
    limit: int,
) -> Page[PolicyOut]:
    rows, nxt = await PolicyRepository(session, principal).find(kind, jurisdiction, cursor, limit)
    return Page(items=[PolicyOut.from_model(r) for r in rows], next_cursor=nxt)


async def get_policy(session: AsyncSession, principal: Principal, policy_id: Any) -> PolicyOut:
    return PolicyOut.from_model(await PolicyRepository(session, principal).get_or_404(policy_id))


async def add_reference_wage(
    session: AsyncSession, principal: Principal, req: ReferenceWageIn
) -> ReferenceWageOut:
    ensure_writable(principal, req.division)
    async with session.begin():
        repo = ReferenceWageRepository(session, principal)
        if await repo.exists(req.division, req.year, req.kind):
            raise ReferenceWageExists
        row = ReferenceWage(
            id=new_id(),
            division=req.division,
            year=req.year,
            kind=req.kind,
            annual=to_fen(req.annual),
            source=req.source,
            created_at=utcnow(),
        )
        repo.add(row)
    return ReferenceWageOut.from_model(row)


async def list_reference_wages(
    session: AsyncSession,
    principal: Principal,
    division: str | None,
    year: int | None,
    cursor: str | None,
    limit: int,
) -> Page[ReferenceWageOut]:
    repo = ReferenceWageRepository(session, principal)
    rows, nxt = await repo.find(division, year, cursor, limit)
    return Page(items=[ReferenceWageOut.from_model(r) for r in rows], next_cursor=nxt)


def _data(name: str) -> dict[str, Any]:
    text = resources.files("cwp_payroll.policy").joinpath("data", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


async def ship_reference_wages(session: AsyncSession) -> int:
    """Load the shipped national wages that are missing (at every start; idempotent)."""
    added = 0
    async with session.begin():
        repo = ReferenceWageRepository(session, PLATFORM)
        for w in _data("reference_wages.json")["wages"]:
            req = ReferenceWageIn.model_validate(w)
            if await repo.exists(req.division, req.year, req.kind):
                continue
            repo.add(
                ReferenceWage(
                    id=new_id(),
                    division=req.division,
                    year=req.year,
                    kind=req.kind,
                    annual=to_fen(req.annual),
                    source=req.source,
                    created_at=utcnow(),
                )
            )
            added += 1
    return added


async def ship_demo_policy(session: AsyncSession, region: str) -> int:
    """The demo region's example policy, each kind unless the region has one already."""
    data = _data("demo_policy.json")
    effective = date.fromisoformat(data["effective_date"])
    added = 0
    async with session.begin():
        repo = PolicyRepository(session, PLATFORM)
        for kind, model in BODIES.items():
            if await repo.applicable_here(region, kind):
                continue
            body = model.model_validate(data[kind])
            repo.add(
                PayPolicy(
                    id=new_id(),
                    jurisdiction=region,
                    kind=kind,
                    effective_date=effective,
                    body=_document(body),
                    example=True,
                    created_by="platform",
                    created_at=utcnow(),
                )
            )
            added += 1
    return added
