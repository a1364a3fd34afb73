"""Events leave through the outbox and reach a real NATS subscriber, without the ID
number; a write succeeds while NATS is down and its event follows when NATS is back."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from nats.aio.msg import Msg

from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import CONTRACTS, WorkerRegistered, WorkerUpdated
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.outbox import Outbox
from cwp_common.settings import PlatformSettings
from cwp_registry.app import create_app
from cwp_registry.config import Settings
from cwp_registry.db import EVENTS
from cwp_registry.workers import service as workers
from cwp_registry.workers.models import NEW_WORKER_COLUMNS, NewWorker, Worker
from tests.registry.conftest import Registry
from tests.registry.helpers import GD_1, SH_1, SH_2, id_number
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.nats_server import NatsServer

W = "/api/v1/registry/workers"


async def next_for(queue: asyncio.Queue[bytes], worker_id: str, timeout: float = 15) -> CloudEvent:
    """The next event about this worker (the session's NATS is shared between tests)."""

    async def wait() -> CloudEvent:
        while True:
            event = CloudEvent.from_bytes(await queue.get())
            if event.subject == worker_id:
                return event

    return await asyncio.wait_for(wait(), timeout)


async def test_worker_events_reach_a_subscriber_without_the_id_number_or_phone(
    registry: Registry, session_nats: NatsServer
) -> None:
    reg = registry
    for code in (SH_1, SH_2, GD_1):
        await reg.add_community(code)
    nc = await session_nats.connect()  # the tester: it may listen to registry subjects
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_message(msg: Msg) -> None:
        await queue.put(msg.data)

    sub = await nc.subscribe("registry.worker.>", cb=on_message)
    try:
        number = id_number(area="310101", seq=406)
        w = await reg.add_worker(id_number=number, phone="13912345678")
        event = await next_for(queue, w["id"])
        assert event.type == "registry.worker.registered.v1"
        assert event.source == "cwp.registry"
        data = CONTRACTS[event.type].model_validate(event.data)
        assert data.worker_id == w["id"]  # type: ignore[attr-defined]

        await reg.client.patch(f"{W}/{w['id']}", json={"phone": "13700000000"}, headers=reg.auth())
        await reg.client.post(
            f"{W}/{w['id']}/transfer",
            json={"to_community_code": GD_1, "effective_date": "2024-01-01"},
            headers=reg.auth(),
        )
        await reg.client.post(
            f"{W}/{w['id']}/exit",
            json={"reason": "resignation", "exit_date": "2024-05-01"},
            headers=reg.auth(),
        )
        raws = [event.to_bytes()]
        for expected in ("updated", "transferred", "exited"):
            e = await next_for(queue, w["id"])
            assert e.type == f"registry.worker.{expected}.v1"
            CONTRACTS[e.type].model_validate(e.data)
            raws.append(e.to_bytes())
        digest = reg.app.state.pii.digest(number).encode()
        for raw in raws:
            assert number.encode() not in raw
            assert number[:6].encode() + b"*" not in raw, "not even masked"
            assert digest not in raw
            for phone in (b"13912345678", b"13700000000", b"139****5678", b"137****0000"):
                assert phone not in raw, "no phone, masked or not"
        assert CloudEvent.from_bytes(raws[1]).data["changed"] == ["phone"], "the field's name"
    finally:
        await sub.unsubscribe()
        await nc.close()

    # The subscriber may see the last event just before the relay records its ack.
    for _ in range(50):
        pending = await reg.rows("SELECT seq FROM outbox WHERE published_at IS NULL")
        if not pending:
            break
        await asyncio.sleep(0.1)
    assert pending == []


@pytest.mark.timeout(90)
async def test_a_write_succeeds_while_nats_is_down(
    backend: str,
    tmp_path: Path,
    platform_settings: PlatformSettings,
    tokens: object,
    nats_server: NatsServer,
) -> None:
    url = await fresh_database(backend, "registry", tmp_path)
    platform = platform_settings.model_copy(
        update={"nats_url": nats_server.url, "nats_credentials_dir": nats_server.credentials_dir}
    )
    nats_server.stop()
    app = create_app(Settings(database_url=url), platform, create_schema=True)
    async with running(app) as client:
        reg = Registry(client, app, tokens)  # type: ignore[arg-type]
        await reg.add_community(SH_1)
        w = await reg.add_worker()
        (pending,) = await reg.rows(
            "SELECT published_at FROM outbox WHERE type = 'registry.worker.registered.v1'"
        )
        assert pending.published_at is None
        nats_server.start()
        nc = await nats_server.connect()
        try:
            js = nc.jetstream()
            for _ in range(150):
                try:
                    info = await js.stream_info("REGISTRY")
                    if info.state.messages >= 2:
                        break
                except Exception:  # the stream appears once the service reconnects
                    pass
                await asyncio.sleep(0.2)
            msg = await js.get_last_msg("REGISTRY", "registry.worker.registered.v1")
            assert msg.data is not None
            assert CloudEvent.from_bytes(msg.data).subject == w["id"]
        finally:
            await nc.close()


def test_a_registration_event_is_staged_as_its_contract_gives_it() -> None:
    """Registrations publish the worker's facts as plain data (an import's chunk cannot
    afford the contract model per row): they are what the contract dumps, field for
    field and in order, and the outbox body is the envelope's own, byte for byte."""
    worker_id = new_id()
    new = NewWorker(
        id=worker_id,
        name="李四",
        id_number_cipher="v1:x",
        id_number_hash="0" * 64,
        sex="female",
        birth_date=date(1980, 2, 29),
        community_code=SH_1,
        position="committee_director",
        employment_type="elected",
        education="bachelor",
        degree="master",
        position_since=date(2021, 5, 1),
        concurrent_posts=[{"position": "party_secretary", "since": "2022-01-03"}],
        political_status="cpc_member",
        phone="13912345678",
        hire_date=date(2020, 3, 1),
        service_start_date=date(2019, 7, 1),
        status="on_leave",
        created_at=utcnow(),
        updated_at=utcnow(),
        retirement_date=date(2035, 2, 28),
    )
    data = workers.facts_of(new)
    contract = WorkerRegistered(**data)
    assert list(contract.model_dump(mode="json").items()) == list(data.items())
    stored = Worker(**{c: getattr(new, c) for c in NEW_WORKER_COLUMNS})
    assert WorkerUpdated(**workers.facts_of(stored), changed=["phone"]).position_since == (
        new.position_since
    )
    outbox = Outbox(EVENTS, "cwp.registry")
    [(event_id, kind, body, created_at, attempts)] = outbox.plain_values(
        [(WorkerRegistered.type, data, str(worker_id))]
    )
    assert (kind, attempts) == (WorkerRegistered.type, 0)
    expected = outbox.envelope(contract, str(worker_id))
    same = expected.model_copy(update={"id": event_id, "time": created_at})
    assert body == Outbox.row(same)["body"] == same.to_bytes()
