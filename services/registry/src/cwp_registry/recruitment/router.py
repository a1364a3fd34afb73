"""Recruitment (选聘): rounds, applications and the workflow's steps, for staff; and the
applicant's own path for the mobile app.

The applicant's path (`/public/...`) needs no account and no token: an applicant is not a
worker and has no account on the platform, and the mobile app shows an announced round
to anyone. Three calls:

- `GET /public/rounds/{round_id}`: the round as announced (posts, quotas, conditions,
  window), while its application window is open; otherwise 404.
- `POST /public/rounds/{round_id}/applications`: the application itself, with the same
  rules as one entered by staff (ID check, one application per person and round, the
  automatic qualification review), recorded with channel `mobile` and made by
  `applicant:self`. The answer is a receipt: the application's id, state and review
  reasons, never the personal data sent.
- `POST /public/applications/{application_id}/status` with the applicant's ID number in
  the body (never in a URL): where the application stands. A wrong number and an unknown
  id answer alike (404).

The gateway lets these paths through without a token and limits them per client address
(GATEWAY_PUBLIC_RATE / GATEWAY_PUBLIC_BURST), far below a signed-in user's rate. Staff see
and decide these applications like any other; the personal data is kept and shown under
the same rules (encrypted ID number, `pii` to see it).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cwp_common.auth import Reader, Writer
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_registry.recruitment import service, workflow
from cwp_registry.recruitment.rules import State
from cwp_registry.recruitment.schemas import (
    ApplicantIn,
    ApplicationIn,
    ApplicationOut,
    HireIn,
    PublicRoundOut,
    RankingOut,
    ReceiptOut,
    RoundIn,
    RoundOut,
    StatusIn,
    StepIn,
)
from cwp_registry.workers.router import IdCheckLimit, Pii

router = APIRouter(prefix="/api/v1/registry/recruitment", tags=["recruitment"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.post("/rounds", status_code=201)
async def create_round(body: RoundIn, principal: Writer, session: SessionDep) -> RoundOut:
    """A recruitment round (draft): jurisdiction, year, posts and quotas per community,
    the selection conditions as data, the application window and the publicity rule."""
    return RoundOut.from_model(*await service.create_round(session, principal, body))


@router.get("/rounds")
async def list_rounds(
    principal: Reader,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$")] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[RoundOut]:
    rows, next_cursor = await service.list_rounds(
        session, principal, year, jurisdiction, cursor, limit
    )
    return Page(items=[RoundOut.from_model(r, p) for r, p in rows], next_cursor=next_cursor)


@router.get("/rounds/{round_id}")
async def get_round(round_id: uuid.UUID, principal: Reader, session: SessionDep) -> RoundOut:
    return RoundOut.from_model(*await service.get_round(session, principal, round_id))


@router.post("/rounds/{round_id}/announce")
async def announce_round(round_id: uuid.UUID, principal: Writer, session: SessionDep) -> RoundOut:
    """Publish the announcement: applications are accepted within the window."""
    return RoundOut.from_model(*await service.announce(session, principal, round_id))


@router.post("/rounds/{round_id}/applications", status_code=201)
async def apply(
    round_id: uuid.UUID, body: ApplicationIn, principal: Writer, session: SessionDep, pii: Pii
) -> ApplicationOut:
    """An application (entered by staff, or from the mobile app: `channel`). The
    qualification review is recorded at once when the data decides every condition."""
    application = await service.apply(session, principal, pii, round_id, body)
    return ApplicationOut.from_model(application, pii, principal)


@router.get("/rounds/{round_id}/applications")
async def list_applications(
    round_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    pii: Pii,
    state: State | None = None,
    post_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[ApplicationOut]:
    rows, next_cursor = await service.list_applications(
        session, principal, round_id, state, post_id, cursor, limit
    )
    return Page(
        items=[ApplicationOut.from_model(a, pii, principal) for a in rows],
        next_cursor=next_cursor,
    )


@router.post("/rounds/{round_id}/ranking")
async def rank_round(round_id: uuid.UUID, principal: Writer, session: SessionDep) -> RankingOut:
    """Rank each post's interviewed applicants by combined score; the first `quota`
    (less the places already held) are shortlisted."""
    ranked, shortlisted = await workflow.rank_round(session, principal, round_id)
    return RankingOut(round_id=round_id, ranked=ranked, shortlisted=shortlisted)


@router.post("/posts/{post_id}/replacement")
async def replace(
    post_id: uuid.UUID, principal: Writer, session: SessionDep, pii: Pii
) -> ApplicationOut:
    """递补: the best-ranked applicant outside the shortlist takes a place that fell free
    (409 no-free-place, no-replacement)."""
    application = await workflow.replace(session, principal, post_id)
    return ApplicationOut.from_model(application, pii, principal)


@router.get("/applications/{application_id}")
async def get_application(
    application_id: uuid.UUID, principal: Reader, session: SessionDep, pii: Pii
) -> ApplicationOut:
    """The application with every step: who decided what, and when."""
    application, steps = await service.get_application(session, principal, application_id)
    return ApplicationOut.from_model(application, pii, principal, steps)


@router.post("/applications/{application_id}/steps")
async def take_step(
    application_id: uuid.UUID, body: StepIn, principal: Writer, session: SessionDep, pii: Pii
) -> ApplicationOut:
    """One step of the workflow (the body's `step` says which); 409 invalid-transition
    when the application's state does not allow it."""
    application = await workflow.take_step(session, principal, application_id, body)
    return ApplicationOut.from_model(application, pii, principal)


@router.post("/applications/{application_id}/hire")
async def hire(
    application_id: uuid.UUID,
    body: HireIn,
    principal: Writer,
    session: SessionDep,
    pii: Pii,
    limit: IdCheckLimit,
) -> ApplicationOut:
    """Register the worker (as POST /workers does, same event) and sign the contract."""
    application = await workflow.hire(session, principal, pii, limit, application_id, body)
    return ApplicationOut.from_model(application, pii, principal)


# --- the applicant's own path (no token; see the module's docstring) -------------------


@router.get("/public/rounds/{round_id}")
async def public_round(round_id: uuid.UUID, session: SessionDep) -> PublicRoundOut:
    """An announced round open for applications, as its announcement shows it."""
    return PublicRoundOut.from_model(*await service.open_round(session, round_id))


@router.post("/public/rounds/{round_id}/applications", status_code=201)
async def apply_as_applicant(
    round_id: uuid.UUID, body: ApplicantIn, session: SessionDep, pii: Pii
) -> ReceiptOut:
    """The applicant's own application (the mobile app): the rules of a staff-entered
    one; the receipt names the application and its review, not the data sent."""
    application = await service.apply(session, service.PUBLIC_APPLICANT, pii, round_id, body)
    return ReceiptOut.from_model(application)


@router.post("/public/applications/{application_id}/status")
async def own_application_status(
    application_id: uuid.UUID, body: StatusIn, session: SessionDep, pii: Pii
) -> ReceiptOut:
    """Where the applicant's own application stands, proved by their ID number."""
    return ReceiptOut.from_model(
        await service.own_application(session, pii, application_id, body.id_number)
    )
