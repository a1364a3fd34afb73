"""Contract and social-insurance use cases: one transaction each, every rule checked
before anything is written. `sign_for` runs inside a caller's transaction, so hiring
from a recruitment round signs with the same rules as a direct signature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import ContractRenewed, ContractSigned
from cwp_registry.changes.recorder import publish
from cwp_registry.contracts import rules
from cwp_registry.contracts.closing import close
from cwp_registry.contracts.exceptions import (
    ContractNotActive,
    ContractOverlaps,
    EnrolmentNotOpen,
    EnrolmentOverlaps,
    InvalidContractDates,
    OpenEndedNotRenewable,
)
from cwp_registry.contracts.models import InsuranceEnrolment, LabourContract
from cwp_registry.contracts.repository import ContractRepository, EnrolmentRepository
from cwp_registry.contracts.schemas import (
    ContractIn,
    EndIn,
    EnrolmentEndIn,
    EnrolmentIn,
    EntitlementOut,
    RenewalIn,
)
from cwp_registry.workers.models import Worker
from cwp_registry.workers.repository import WorkerRepository
from cwp_registry.workers.service import load_for_change


def _facts(contract: LabourContract, community_code: str) -> dict[str, object]:
    return {
        "contract_id": str(contract.id),
        "worker_id": str(contract.worker_id),
        "community_code": community_code,
        "employer_code": contract.employer_code,
        "kind": contract.kind,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "probation_end_date": contract.probation_end_date,
    }


def _is_second_active(exc: IntegrityError) -> bool:
    message = str(exc.orig)
    return "uq_labour_contracts_active_worker" in message or "labour_contracts.worker_id" in message


def _new_contract(
    principal: Principal,
    worker: Worker,
    terms: rules.Terms,
    employer_name: str,
    note: str | None,
    previous: LabourContract | None = None,
    asked_fixed: bool = False,
) -> LabourContract:
    now = utcnow()
    return LabourContract(
        id=new_id(),
        worker_id=worker.id,
        previous_id=previous.id if previous else None,
        employer_code=worker.community_code[:9],
        employer_kind=rules.employer_kind(worker.community_code),
        employer_name=employer_name,
        kind=terms.kind,
        start_date=terms.start,
        end_date=terms.end,
        probation_months=terms.probation_months,
        probation_end_date=rules.probation_end(terms.start, terms.probation_months),
        signed_on=terms.signed_on,
        worker_requested_fixed_term=asked_fixed,
        status="active",
        note=note,
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )


async def sign_for(
    session: AsyncSession, principal: Principal, worker: Worker, body: ContractIn
) -> LabourContract:
    """Sign a first contract for a current worker, inside the caller's transaction."""
    rules.check_contract_applies(worker.employment_type)
    today = today_in_china()
    terms = rules.Terms(
        body.kind,
        body.start_date,
        body.end_date,
        body.probation_months,
        body.signed_on or min(today, body.start_date),
    )
    repo = ContractRepository(session, principal)
    law = rules.law_for(worker.community_code, terms.start)
    used = await repo.probation_used(worker.id, worker.community_code[:9])
    rules.check_terms(law, terms, worker.hire_date, today, probation_used=used)
    if await repo.active_for(worker.id) is not None:
        raise ContractOverlaps()
    contract = _new_contract(principal, worker, terms, body.employer_name, body.note)
    repo.add(contract)
    try:
        async with session.begin_nested():  # a concurrent signature fails here
            await session.flush()
    except IntegrityError as exc:
        if _is_second_active(exc):
            raise ContractOverlaps() from None
        raise
    signed = ContractSigned.model_validate(_facts(contract, worker.community_code))
    await publish(session, signed, str(worker.id), worker.community_code)
    return contract


async def sign(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: ContractIn
) -> LabourContract:
    async with session.begin():
        worker = await load_for_change(WorkerRepository(session, principal), worker_id)
        contract = await sign_for(session, principal, worker, body)
    return contract


async def _active(repo: ContractRepository, contract_id: uuid.UUID) -> LabourContract:
    contract = await repo.get_or_404(contract_id, for_update=True)
    if contract.status != "active":
        raise ContractNotActive()
    return contract


async def renewal_entitlement(
    repo: ContractRepository, community_code: str, contract: LabourContract, start: date
) -> rules.Entitlement:
    """Art. 14 for the contract that would continue `contract` on `start`."""
    law = rules.law_for(community_code, start)
    chain = await repo.chain(contract)
    return rules.entitlement(
        law, [rules.Past(c.kind, c.start_date, c.end_date) for c in chain], start
    )


async def renew(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID, body: RenewalIn
) -> LabourContract:
    today = today_in_china()
    repo = ContractRepository(session, principal)
    async with session.begin():
        previous = await _active(repo, contract_id)
        if previous.end_date is None:
            raise OpenEndedNotRenewable()
        worker = await load_for_change(WorkerRepository(session, principal), previous.worker_id)
        start = body.start_date or previous.end_date + timedelta(days=1)
        rules.check_renewal_start(previous.end_date, start)
        ent = await renewal_entitlement(repo, worker.community_code, previous, start)
        rules.check_renewal_kind(ent, body.kind, body.worker_requested_fixed_term)
        terms = rules.Terms(
            body.kind,
            start,
            body.end_date,
            body.probation_months,
            body.signed_on or min(today, start),
        )
        law = rules.law_for(worker.community_code, start)
        used = await repo.probation_used(worker.id, worker.community_code[:9])
        rules.check_terms(law, terms, worker.hire_date, today, probation_used=used)
        previous.status, previous.updated_at = "renewed", utcnow()
        await session.flush()  # the previous one stops being the active one first
        asked = body.worker_requested_fixed_term and body.kind == "fixed_term"
        contract = _new_contract(
            principal, worker, terms, previous.employer_name, body.note, previous, asked
        )
        repo.add(contract)
        renewed = ContractRenewed.model_validate(
            _facts(contract, worker.community_code)
            | {
                "previous_contract_id": str(previous.id),
                "converted_to_open_ended": previous.kind == "fixed_term"
                and contract.kind == "open_ended",
            }
        )
        await publish(session, renewed, str(worker.id), worker.community_code)
    return contract


async def end(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID, body: EndIn
) -> LabourContract:
    repo = ContractRepository(session, principal)
    async with session.begin():
        contract = await _active(repo, contract_id)
        rules.check_ending(contract.start_date, contract.end_date, body.ended_on)
        worker = await WorkerRepository(session, principal).get_or_404(contract.worker_id)
        await close(session, contract, worker.community_code, body.ended_on, body.reason, body.note)
    return contract


async def entitlement(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID
) -> EntitlementOut:
    repo = ContractRepository(session, principal)
    contract = await repo.get_or_404(contract_id)
    worker = await WorkerRepository(session, principal).get_or_404(contract.worker_id)
    if contract.end_date is None:
        raise OpenEndedNotRenewable()
    start = contract.end_date + timedelta(days=1)
    ent = await renewal_entitlement(repo, worker.community_code, contract, start)
    law = rules.law_for(worker.community_code, start)
    used = await repo.probation_used(worker.id, worker.community_code[:9])
    return EntitlementOut(
        contract_id=contract.id,
        renewal_start=start,
        open_ended_required=ent.open_ended_required,
        reasons=list(ent.reasons),  # type: ignore[arg-type]
        continuous_service_since=ent.continuous_service_since,
        consecutive_fixed_terms=ent.consecutive_fixed_terms,
        probation_allowed=not (used and law.one_probation_per_employer),
    )


async def get(
    session: AsyncSession, principal: Principal, contract_id: uuid.UUID
) -> LabourContract:
    return await ContractRepository(session, principal).get_or_404(contract_id)


async def worker_contracts(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[LabourContract], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)  # 404 out of scope
    repo = ContractRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id), cursor, limit)


async def list_page(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    status: str | None,
    ending_by: date | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[LabourContract], str | None]:
    repo = ContractRepository(session, principal)
    return await repo.page(repo.listing(region, status, ending_by), cursor, limit)


# --- social insurance and housing fund ---------------------------------------------------


def _fen(yuan: Decimal | None) -> int | None:
    return None if yuan is None else int((yuan * 100).to_integral_value())


async def enrol(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: EnrolmentIn
) -> InsuranceEnrolment:
    if body.end_date is not None and body.end_date < body.start_date:
        raise InvalidContractDates("enrolment-end-before-start")
    repo = EnrolmentRepository(session, principal)
    async with session.begin():
        worker = await load_for_change(WorkerRepository(session, principal), worker_id)
        if body.start_date < worker.hire_date:
            raise InvalidContractDates("enrolment-before-hire")
        if await repo.overlapping(worker.id, body.scheme, body.start_date, body.end_date):
            raise EnrolmentOverlaps()
        now = utcnow()
        row = InsuranceEnrolment(
            id=new_id(),
            worker_id=worker.id,
            scheme=body.scheme,
            insured_place=body.insured_place,
            start_date=body.start_date,
            end_date=body.end_date,
            contribution_base_fen=_fen(body.contribution_base),
            note=body.note,
            created_by=principal.subject,
            created_at=now,
            updated_at=now,
        )
        repo.add(row)
    return row


async def end_enrolment(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID, body: EnrolmentEndIn
) -> InsuranceEnrolment:
    repo = EnrolmentRepository(session, principal)
    async with session.begin():
        row = await repo.get_or_404(enrolment_id, for_update=True)
        if row.end_date is not None:
            raise EnrolmentNotOpen()
        if body.end_date < row.start_date:
            raise InvalidContractDates("enrolment-end-before-start")
        row.end_date, row.updated_at = body.end_date, utcnow()
    return row


async def enrolments(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    scheme: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[InsuranceEnrolment], str | None]:
    await WorkerRepository(session, principal).get_or_404(worker_id)
    repo = EnrolmentRepository(session, principal)
    return await repo.page(repo.of_worker(worker_id, scheme), cursor, limit)
