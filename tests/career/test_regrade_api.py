"""The mass regrade: the yearly step job, its scope, and the set-based path (COPY on
PostgreSQL once a batch is large enough) writing the same rows and events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from cwp_career.app import create_app
from cwp_career.config import Settings
from cwp_career.dates import add_years
from cwp_career.db import EVENTS
from cwp_career.grading.models import RegradeJob
from cwp_career.grading.repository import GradingRepository
from cwp_career.grading.rules import Current, Facts, grade, plan
from cwp_career.grading.service import compute_changes
from cwp_career.grading.writer import (
    Change,
    ConcurrentUpdate,
    bulk_outbox_row,
    event_of,
    write_changes,
)
from cwp_career.ladders.models import LadderVersion
from cwp_career.ladders.repository import LadderRepository
from cwp_career.ladders.rules import compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback
from cwp_common.clock import today_in_china as today
from cwp_common.db import new_id, transaction, utcnow
from cwp_common.events.contracts import GradeChanged
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.outbox import Outbox
from cwp_common.repository import PLATFORM
from cwp_common.settings import PlatformSettings
from tests.career.helpers import (
    API,
    HISTORY,
    SH,
    count,
    exit_worker,
    graded_earlier,
    ladder,
    outbox,
    publish,
    register,
    update,
    wait_job,
    worker,
    years_ago,
)
from tests.support.apps import running
from tests.support.tokens import Tokens


async def regrade(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> dict[str, object]:
    r = await client.post(f"{API}/regrade", headers=headers, json=body)
    assert r.status_code == 202, r.text
    return await wait_job(client, headers, r.json()["id"])


async def test_the_yearly_step_is_dated_on_its_anniversary(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    start = add_years(today(), -3) - timedelta(days=100)
    wid = await graded_earlier(app, today() - timedelta(days=200), service_start_date=start)
    before = await worker(client, admin, wid)
    assert (before["grade"], before["next_step_date"]) == (1, add_years(start, 3).isoformat())
    job = await regrade(client, admin)
    assert (job["examined"], job["changed"], job["jurisdiction"]) == (1, 1, "")
    after = await worker(client, admin, wid)
    assert after["grade"] == 2
    [step] = after["history"]
    assert (step["reason"], step["effective_date"]) == ("step", add_years(start, 3).isoformat())
    assert after["next_step_date"] == add_years(start, 6).isoformat()
    # Nothing more to do: a rerun changes nothing and writes nothing.
    history = await count(app, HISTORY)
    assert (await regrade(client, admin))["changed"] == 0
    assert await count(app, HISTORY) == history


async def test_an_earlier_as_of_never_goes_back_a_later_one_is_refused(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Graded today with 3 full years (grade 2); as of a year ago they had 2 (grade 1), but
    # a regrade as of a day before the current grade took effect leaves it alone.
    wid = await register(app, service_start_date=years_ago(3, 10))
    assert (await worker(client, admin, wid))["grade"] == 2
    job = await regrade(client, admin, as_of=years_ago(1).isoformat())
    assert (job["as_of"], job["examined"], job["changed"]) == (years_ago(1).isoformat(), 1, 0)
    assert (await worker(client, admin, wid))["grade"] == 2
    r = await client.post(
        f"{API}/regrade", headers=admin, json={"as_of": (today() + timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "as_of"
    r = await client.post(f"{API}/regrade", headers=admin, json={"jurisdiction": "4a"})
    assert r.status_code == 422


async def test_regrade_stays_in_the_callers_region(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], tokens: Tokens
) -> None:
    start = add_years(today(), -3) - timedelta(days=100)
    back = today() - timedelta(days=200)
    gd = await graded_earlier(app, back, service_start_date=start)
    sh = await graded_earlier(app, back, service_start_date=start, community_code=SH)
    shanghai = tokens.headers(["admin"], region="31")
    job = await regrade(client, shanghai)
    assert (job["jurisdiction"], job["examined"], job["changed"]) == ("31", 1, 1)
    assert (await worker(client, admin, sh))["grade"] == 2
    assert (await worker(client, admin, gd))["grade"] == 1
    r = await client.post(f"{API}/regrade", headers=shanghai, json={"jurisdiction": "44"})
    assert r.status_code == 403
    r = await client.post(f"{API}/regrade", headers=tokens.headers(["operator"]), json={})
    assert r.status_code == 403
    assert (await worker(client, admin, gd))["grade"] == 1


async def test_exited_workers_are_left_alone(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    start = add_years(today(), -3) - timedelta(days=100)
    wid = await graded_earlier(app, today() - timedelta(days=200), service_start_date=start)
    await exit_worker(app, wid)
    job = await regrade(client, admin)
    assert (job["examined"], job["changed"]) == (0, 0)
    assert (await worker(client, admin, wid))["grade"] == 1


async def test_a_large_batch_writes_the_same_facts(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Enough workers for the COPY path on PostgreSQL (executemany on SQLite)."""
    n = 220  # more than one COPY round trip would be worth on its own
    ids = [await register(app, position="committee_member") for _ in range(n)]
    published = await publish(
        client,
        admin,
        ladder("four-posts-24-grades", jurisdiction="44", effective_date="2024-01-01"),
    )
    job = (await client.get(f"{API}/regrade/{published['regrade_job_id']}", headers=admin)).json()
    assert (job["examined"], job["changed"]) == (n, n)
    assert await count(app, HISTORY) == 2 * n
    changes = [e for e in await outbox(app) if e.type == GradeChanged.type]
    assert len(changes) == n
    for event in changes:
        data = GradeChanged.model_validate(event.data)
        assert (data.previous_grade, data.grade, str(data.pay_coefficient)) == (3, 8, "1.3500")
        assert (data.category, data.previous_category, data.reason) == ("member", "other", "ladder")
        assert data.ladder_id == published["id"]
        assert event.subject == data.worker_id
    assert {e.data["worker_id"] for e in changes} == set(ids)
    sample = await worker(client, admin, ids[-1])
    # Started 7 years 30 days ago: 3 two-year steps, the next on the 8th anniversary.
    assert (sample["grade"], sample["pay_coefficient"], sample["next_step_date"]) == (
        8,
        "1.3500",
        add_years(years_ago(7, 30), 8).isoformat(),
    )
    assert sample["history"][-1]["id"] in {e.id for e in changes}


async def test_a_worker_changed_meanwhile_is_not_overwritten(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], backend: str
) -> None:
    """A mass regrade reads without locks; a row an event handler wrote in between is
    left as the handler wrote it (PostgreSQL), or the batch is refused and read again
    (SQLite)."""
    ids = [await register(app, position="committee_member") for _ in range(3)]
    sessions = app.state.runtime.sessions
    async with sessions() as session:
        book = await LadderRepository(session, PLATFORM).book()
        body = LadderBody.model_validate(
            ladder("four-posts-24-grades", jurisdiction="44", effective_date="2024-01-01")
        )
        book = book.with_version(compile_ladder(uuid.uuid4(), body))
        rows = await GradingRepository(session, PLATFORM).batch("44", None, 100)
    changes = compute_changes(rows, book, today())
    assert len(changes) == 3
    # Meanwhile the registry promotes one of them; its handler re-grades it.
    await update(app, ids[0], ["position"], position="deputy_director")
    history = await count(app, HISTORY)
    async with sessions() as session, session.begin():
        if backend == "postgresql":
            written = await write_changes(session, changes, utcnow(), bulk=True)
            assert (written.updated, written.graded) == (2, 2)
        else:
            with pytest.raises(ConcurrentUpdate):
                await write_changes(session, changes, utcnow(), bulk=True)
    promoted = await worker(client, admin, ids[0])
    assert (promoted["category"], promoted["history"][-1]["reason"]) == (
        "deputy",
        "position_changed",
    )
    assert await count(app, HISTORY) == history + (2 if backend == "postgresql" else 0)


async def test_the_daily_job_takes_the_step_without_a_call(
    database_url: str, platform_settings: PlatformSettings, admin: dict[str, str]
) -> None:
    start = add_years(today(), -3) - timedelta(days=100)
    seeding = Settings(database_url=database_url, consume_events=False, daily_regrade=False)
    seed = create_app(seeding, platform_settings, create_schema=True)
    async with running(seed):
        wid = await graded_earlier(seed, today() - timedelta(days=200), service_start_date=start)
    daily = seeding.model_copy(update={"daily_regrade": True})
    first = create_app(daily, platform_settings)
    async with running(first) as client:
        for _ in range(100):  # the daily job runs at start-up, then once per day
            w = await worker(client, admin, wid)
            if w["grade"] == 2:
                break
            await asyncio.sleep(0.05)
        assert w["grade"] == 2
        assert w["history"][-1]["reason"] == "step"
    # A restart (or a second replica) on the same day queues no second job.
    again = create_app(daily, platform_settings)
    async with running(again):
        await asyncio.sleep(0.3)
        assert await count(again, JOBS) == 1


JOBS = RegradeJob.__table__


def test_a_bulk_grade_event_is_the_envelope_every_event_gets() -> None:
    """The bulk writer's plain-data outbox row carries the same document as
    Outbox.row(Outbox.envelope(...)) for the same change, apart from id and time."""
    book_ladder = national_fallback()
    facts = Facts("committee_member", "bachelor", None, None, years_ago(7))
    graded = grade(book_ladder, facts, today())
    previous = Current("other", graded.grade - 1, None, book_ladder.id, years_ago(1), None)
    outcome = plan(previous, graded, "ladder", today())
    assert outcome is not None
    change = Change(uuid.uuid4(), "440103001001", facts, previous, outcome, 1)
    now = utcnow()
    event_id, kind, body, created_at, attempts = bulk_outbox_row(
        change, str(uuid.uuid4()), now, now.isoformat().replace("+00:00", "Z")
    )
    outbox = Outbox(EVENTS, "cwp.career")
    expected = outbox.row(outbox.envelope(event_of(change), str(change.worker_id)))
    assert (kind, created_at, attempts) == (expected["type"], now, 0)
    mine = CloudEvent.from_bytes(body)
    theirs = CloudEvent.from_bytes(expected["body"])
    assert mine.id == event_id
    assert mine.model_dump(exclude={"id", "time"}) == theirs.model_dump(exclude={"id", "time"})
    assert GradeChanged.model_validate(mine.data).previous_grade == graded.grade - 1
    # With the same id and time, byte for byte: one serialiser (CloudEvent.body) serves
    # both, and it writes what the model's own JSON would.
    same = theirs.model_copy(update={"id": event_id, "time": now})
    assert body == outbox.row(same)["body"] == same.to_bytes()


async def test_a_failed_job_notes_the_error_type_never_the_values_it_met(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """A stored ladder body that no longer validates fails the job; the failure note
    (readable through the API) says where the body broke, not what it held."""
    phone = "13800138000"
    async with transaction(app.state.runtime.sessions) as session:
        session.add(
            LadderVersion(
                id=new_id(),
                jurisdiction="44",
                effective_date=years_ago(1),
                name="broken",
                body={"name": phone},
                published_at=utcnow(),
                published_by="test",
            )
        )
    r = await client.post(f"{API}/regrade", headers=admin, json={})
    assert r.status_code == 202, r.text
    for _ in range(200):
        job = (await client.get(f"{API}/regrade/{r.json()['id']}", headers=admin)).json()
        if job["status"] == "failed":
            break
        assert job["status"] != "done", job
        await asyncio.sleep(0.05)
    assert job["status"] == "failed", job
    assert job["error"].startswith("ValidationError: "), job["error"]
    assert phone not in job["error"]
