"""NATS as the services see it: a real nats-server configured from the permission table
in cwp_common.events.access, each service connecting with its own credentials.

What a service needs works (its own stream and subjects, its own durables on the
streams it consumes, the gateway's stream); everything else is refused by the server
and changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_career.app import SUBSCRIPTIONS as CAREER_SUBSCRIPTIONS
from cwp_common.events.access import (
    CONSUMERS,
    OPERATOR,
    WORK_QUEUES,
    ensure_passwords,
    operator_permissions,
    permissions,
    ungranted,
)
from cwp_common.events.access import main as access_main
from cwp_common.events.consumer import Subscription
from cwp_common.events.contracts import AccountRevoked
from cwp_common.events.envelope import CloudEvent
from cwp_common.events.nats_link import ensure_stream, stream_config
from cwp_common.revocation import RevocationFeed, RevocationList
from cwp_common.service import ServiceSpec, create_service_app
from cwp_common.settings import InsecureConfiguration, PlatformSettings
from cwp_payroll.app import SUBSCRIPTIONS as PAYROLL_SUBSCRIPTIONS
from cwp_registry.app import SUBSCRIPTIONS as REGISTRY_SUBSCRIPTIONS
from cwp_registry.db import EVENTS
from cwp_training.app import SUBSCRIPTIONS as TRAINING_SUBSCRIPTIONS
from tests.support.nats_server import NatsServer

REGISTERED = "registry.worker.registered.v1"
pytestmark = pytest.mark.timeout(60)


class Violations:
    """Collects the server's asynchronous permission errors of one connection."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def record(self, exc: Exception) -> None:
        self.seen.append(str(exc).lower())

    async def wait_for(self, text: str) -> None:
        for _ in range(50):
            if any(text in s for s in self.seen):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no permissions violation for {text}: {self.seen}")


@pytest.fixture
async def server(nats_server: NatsServer) -> NatsServer:
    """The streams made by the deployment; the registry has published one event."""
    registry = await nats_server.connect("registry")
    try:
        await registry.jetstream().publish(REGISTERED, event("cwp.registry"))
    finally:
        await registry.close()
    return nats_server


@pytest.fixture
async def career(server: NatsServer) -> AsyncIterator[tuple[Client, Violations]]:
    violations = Violations()
    nc = await server.connect("career", error_cb=violations.record)
    yield nc, violations
    await nc.close()


async def refused(call: Awaitable[object]) -> None:
    """The server answers a forbidden request with a permissions error, not a reply."""
    with pytest.raises((TimeoutError, NatsError)):
        await call


def event(source: str, type: str = REGISTERED) -> bytes:
    return CloudEvent.new(source, type, {}, None).to_bytes()


@pytest.mark.parametrize(
    "subject", [REGISTERED, "gateway.account.revoked.v1"], ids=["registry", "gateway"]
)
async def test_career_cannot_publish_another_services_subjects(
    server: NatsServer, career: tuple[Client, Violations], subject: str
) -> None:
    nc, violations = career
    await refused(nc.jetstream(timeout=1).publish(subject, event(f"cwp.{subject.split('.')[0]}")))
    await violations.wait_for(f'publish to "{subject}"')
    assert await server.messages_in("REGISTRY") == 1


async def test_career_cannot_delete_purge_or_redefine_the_registry_stream(
    server: NatsServer, career: tuple[Client, Violations]
) -> None:
    nc, violations = career
    jsm = nc.jetstream(timeout=1)
    await refused(jsm.delete_stream("REGISTRY"))
    await refused(jsm.purge_stream("REGISTRY"))
    await refused(ensure_stream(jsm, "registry"))
    await violations.wait_for("$js.api.stream.delete.registry")
    await violations.wait_for("$js.api.stream.purge.registry")
    assert await server.messages_in("REGISTRY") == 1


async def test_no_service_may_create_update_or_delete_even_its_own_stream(
    server: NatsServer,
) -> None:
    """Streams are the deployment's (`cwp streams apply`, as the operations user)."""
    violations = Violations()
    nc = await server.connect("registry", error_cb=violations.record)
    try:
        jsm = nc.jetstream(timeout=1)
        assert (await jsm.stream_info("REGISTRY")).config.subjects == ["registry.>"]
        changed = stream_config("registry")
        changed.max_msgs = 1
        await refused(jsm.update_stream(changed))
        await refused(jsm.add_stream(stream_config("registry")))
        await refused(jsm.delete_stream("REGISTRY"))
        await refused(ensure_stream(jsm, WORK_QUEUES["payroll"][0]))
        await violations.wait_for("$js.api.stream.update.registry")
        await violations.wait_for("$js.api.stream.create.registry")
    finally:
        await nc.close()
    assert await server.messages_in("REGISTRY") == 1
    tester = await server.connect()
    try:
        assert (await tester.jetstream().stream_info("REGISTRY")).config.max_msgs == -1
    finally:
        await tester.close()


async def test_the_operations_user_makes_streams_and_nothing_else(server: NatsServer) -> None:
    violations = Violations()
    nc = await server.connect(OPERATOR, error_cb=violations.record)
    try:
        jsm = nc.jetstream(timeout=1)
        await ensure_stream(jsm, "registry")  # create or update: allowed
        await refused(jsm.publish(REGISTERED, event("cwp.registry")))
        await violations.wait_for(f'publish to "{REGISTERED}"')
        await refused(jsm.delete_stream("REGISTRY"))
        await refused(jsm.pull_subscribe("registry.>", "career-workers", stream="REGISTRY"))
    finally:
        await nc.close()
    assert await server.messages_in("REGISTRY") == 1


async def test_career_consumes_only_through_its_own_durables(
    server: NatsServer, career: tuple[Client, Violations]
) -> None:
    nc, violations = career
    js = nc.jetstream(timeout=2)
    own = await js.pull_subscribe("registry.worker.>", "career-workers", stream="REGISTRY")
    (msg,) = await own.fetch(1, timeout=5)
    await msg.ack()
    # Another service's durable (it would steal that service's messages) and a stream
    # career does not consume are refused.
    await refused(js.pull_subscribe("registry.worker.>", "payroll-workers", stream="REGISTRY"))
    await refused(js.pull_subscribe("gateway.>", "career-sneaky", stream="CAREER"))
    await violations.wait_for("$js.api.consumer.info.registry.payroll-workers")
    tester = await server.connect()
    try:
        info = await tester.jetstream().consumer_info("REGISTRY", "career-workers")
        names = await tester.jetstream().consumers_info("REGISTRY")
    finally:
        await tester.close()
    assert (info.num_pending, info.num_ack_pending) == (0, 0), "the ack went through"
    assert [c.name for c in names] == ["career-workers"]


async def test_the_gateway_reads_producers_by_time_but_no_other_durable(
    server: NatsServer,
) -> None:
    """The webhook replay's unnamed push consumer works; pulling from, or creating under
    the name of, another service's durable does not."""
    nc = await server.connect("gateway")
    try:
        js = nc.jetstream(timeout=2)
        got: asyncio.Queue[str] = asyncio.Queue()

        async def on(msg: Msg) -> None:
            await got.put(msg.subject)

        sub = await js.subscribe(REGISTERED, stream="REGISTRY", cb=on, ordered_consumer=True)
        assert await asyncio.wait_for(got.get(), 5) == REGISTERED
        await sub.unsubscribe()
        await refused(js.pull_subscribe("registry.worker.>", "career-workers", stream="REGISTRY"))
        await refused(js.pull_subscribe("career.>", "gateway-sneaky", stream="CAREER"))
    finally:
        await nc.close()


async def test_career_cannot_listen_to_other_subjects_or_inboxes(
    server: NatsServer, career: tuple[Client, Violations]
) -> None:
    nc, violations = career
    await nc.subscribe("registry.>")
    await nc.subscribe("_INBOX.registry.>")
    await violations.wait_for('subscription to "registry.>"')
    await violations.wait_for('subscription to "_inbox.registry.>"')


async def test_every_service_reads_the_gateway_stream(server: NatsServer) -> None:
    gateway = await server.connect("gateway")
    try:
        await gateway.jetstream().publish("gateway.account.revoked.v1", event("cwp.gateway"))
    finally:
        await gateway.close()
    for service in CONSUMERS:
        nc = await server.connect(service)
        try:
            got: asyncio.Queue[str] = asyncio.Queue()

            async def on(msg: Msg, got: asyncio.Queue[str] = got) -> None:
                await got.put(msg.subject)

            js = nc.jetstream(timeout=2)
            await js.subscribe("gateway.>", stream="GATEWAY", cb=on, ordered_consumer=True)
            assert await asyncio.wait_for(got.get(), 5) == "gateway.account.revoked.v1"
        finally:
            await nc.close()


async def test_anonymous_and_wrong_password_connections_are_refused(server: NatsServer) -> None:
    with pytest.raises(NatsError):
        await nats.connect(server.url, allow_reconnect=False, connect_timeout=2)
    with pytest.raises(NatsError):
        await nats.connect(
            server.url, user="registry", password="guess", allow_reconnect=False, connect_timeout=2
        )


def test_the_table_grants_exactly_the_consumers_the_services_declare() -> None:
    for service, subscriptions in (
        ("career", CAREER_SUBSCRIPTIONS),
        ("payroll", PAYROLL_SUBSCRIPTIONS),
        ("registry", REGISTRY_SUBSCRIPTIONS),
        ("training", TRAINING_SUBSCRIPTIONS),
    ):
        declared = {(s.stream, s.durable) for s in subscriptions}
        assert ungranted(service, declared) == []
        assert declared == {(d.stream, d.name) for d in CONSUMERS[service]}
    assert ungranted("registry", [("CAREER", "registry-assessments")]) == [
        "registry-assessments on CAREER"
    ]


def test_no_service_may_delete_purge_or_list() -> None:
    for service in CONSUMERS:
        rights = permissions(service)
        allowed = rights["publish"]["allow"]
        assert f"{service}.>" in allowed
        assert not [r for r in allowed if ".PURGE." in r or ".LIST" in r]
        # Deleting: only its own durables (`cwp rebuild`), never a stream or a message.
        queues = WORK_QUEUES.get(service, ())
        assert [r for r in allowed if ".DELETE." in r] == [
            f"$JS.API.CONSUMER.DELETE.{d.stream}.{d.name}" for d in CONSUMERS[service]
        ] + [f"$JS.API.CONSUMER.DELETE.{q.stream}.{q.durable}" for q in queues]
        assert [r for r in allowed if not r.startswith("$JS") and r != f"{service}.>"] == [
            f"{q.subject}.>" for q in queues
        ]
        assert rights["subscribe"]["allow"] == [f"_INBOX.{service}.>"]


def test_a_service_with_a_consumer_the_table_does_not_grant_does_not_start(
    platform_settings: PlatformSettings,
) -> None:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        return None

    spec = ServiceSpec(
        name="registry",
        title="registry with a stray consumer",
        database_url="sqlite+aiosqlite:///:memory:",
        tables=EVENTS,
        routers=[],
        subscriptions=[Subscription("registry-assessments", "career.assessment.>", handle)],
    )
    with pytest.raises(InsecureConfiguration, match="registry-assessments on CAREER"):
        create_service_app(spec, platform_settings)


def test_a_deployment_renders_the_server_configuration_from_its_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = ensure_passwords(tmp_path / "secrets", [*CONSUMERS, OPERATOR])
    access_main(["--credentials-dir", str(tmp_path / "secrets"), "--port", "4222"])
    config = json.loads(capsys.readouterr().out)
    users = {u["user"]: u for u in config["accounts"]["CWP"]["users"]}
    assert set(users) == {*CONSUMERS, OPERATOR}
    assert all(users[s]["password"] == secrets[s] for s in [*CONSUMERS, OPERATOR])
    assert users["career"]["permissions"] == permissions("career")
    assert users[OPERATOR]["permissions"] == operator_permissions()
    (tmp_path / "secrets" / OPERATOR).unlink()
    with pytest.raises(SystemExit, match="no password file for ops"):
        access_main(["--credentials-dir", str(tmp_path / "secrets")])
    ensure_passwords(tmp_path / "secrets", [OPERATOR])
    (tmp_path / "secrets" / "career").unlink()
    with pytest.raises(SystemExit, match="no password file for career"):
        access_main(["--credentials-dir", str(tmp_path / "secrets")])


async def test_a_service_started_before_the_gateway_is_ready_and_then_follows_revocations(
    nats_server: NatsServer,
) -> None:
    """A service starting before the gateway has published anything is ready at once
    (make run starts the gateway last) and then follows the revocations it publishes."""
    link = nats_server.link("registry", "cwp-registry")
    revocations = RevocationList(horizon_seconds=3600)
    feed = RevocationFeed(link, revocations)
    link.start()
    feed.start()
    try:
        await until(lambda: revocations.caught_up)
        gateway = await nats_server.connect("gateway")
        try:
            at = datetime.now(UTC)
            data = {
                "subject": "ops",
                "kind": "user",
                "not_before": at.isoformat(),
                "reason": "disabled",
            }
            revoked = CloudEvent.new("cwp.gateway", AccountRevoked.type, data, None)
            await gateway.jetstream().publish(revoked.type, revoked.to_bytes())
        finally:
            await gateway.close()
        await until(lambda: revocations.refuses("user", "ops", int(at.timestamp()) - 1))
    finally:
        await feed.stop()
        await link.close()


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_payroll_shares_its_chunks_on_a_work_queue_no_other_service_can_touch(
    server: NatsServer, career: tuple[Client, Violations]
) -> None:
    """The work queue's subjects (work.payroll.chunks.>) lie outside every event stream's,
    so the stream exists beside PAYROLL (payroll.>); payroll publishes jobs and takes them
    through its one durable; another service can neither publish nor take one."""
    [queue] = WORK_QUEUES["payroll"]
    payroll = await server.connect("payroll")
    try:
        js = payroll.jetstream(timeout=2)
        await js.publish(f"{queue.subject}.run-1", b"{}")
        sub = await js.pull_subscribe(f"{queue.subject}.>", queue.durable, stream=queue.stream)
        (msg,) = await sub.fetch(1, timeout=5)
        await msg.ack()
        await js.publish(f"{queue.subject}.run-2", b"{}")
    finally:
        await payroll.close()
    nc, violations = career
    cjs = nc.jetstream(timeout=1)
    await refused(cjs.publish(f"{queue.subject}.run-3", b"{}"))
    await violations.wait_for(f'publish to "{queue.subject}.run-3"')
    await refused(cjs.pull_subscribe(f"{queue.subject}.>", queue.durable, stream=queue.stream))
    await violations.wait_for(f"$js.api.consumer.info.{queue.stream.lower()}.{queue.durable}")
    # Acked jobs leave a work queue: only the second one waits.
    assert await server.messages_in(queue.stream) == 1
    assert await server.messages_in("PAYROLL") == 0
