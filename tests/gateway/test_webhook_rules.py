"""Pure webhook rules: which subscriber an event goes to, and what it carries."""

from __future__ import annotations

import uuid
from datetime import date

import orjson

from cwp_common.events.contracts import WorkerTransferred
from cwp_common.events.envelope import CloudEvent
from cwp_gateway.webhooks import catalogue
from cwp_gateway.webhooks.fanout import Target, delivery_rows
from tests.gateway.webhook_support import registered

TRANSFERRED = WorkerTransferred.type


def transfer(old: str, new: str) -> CloudEvent:
    data = WorkerTransferred(
        **registered(new).model_dump(),
        from_community_code=old,
        effective_date=date(2026, 12, 1),
        service_years_carried=True,
    )
    return CloudEvent.new(
        source="cwp.registry",
        type=data.type,
        data=data.model_dump(mode="json"),
        subject=data.worker_id,
    )


def target(region: str, pii: bool = False, events: tuple[str, ...] = (TRANSFERRED,)) -> Target:
    return Target(uuid.uuid4(), frozenset(events), region, pii)


def test_a_transfer_belongs_to_the_community_left_and_the_one_joined() -> None:
    data = transfer("310101002001", "310104001001").data
    assert catalogue.regions_of(TRANSFERRED, data) == ["310104001001", "310101002001"]
    for scope in ("310101", "310104", "31", "", "310101002001"):
        assert catalogue.in_scope(TRANSFERRED, data, scope), scope
    for scope in ("310105", "44", "3101010020011", "310104001002"):
        assert not catalogue.in_scope(TRANSFERRED, data, scope), scope


def test_other_worker_events_still_belong_to_one_community_only() -> None:
    data = registered("310101002001").model_dump(mode="json")
    data["from_community_code"] = "440105001001"  # not a field of a registration
    assert catalogue.regions_of(
        WorkerTransferred.type.replace("transferred", "registered"), data
    ) == ["310101002001"]
    assert not catalogue.in_scope("registry.worker.registered.v1", data, "44")


def test_an_event_without_its_region_goes_to_nobody() -> None:
    for data in ({}, {"community_code": ""}, {"community_code": None, "from_community_code": 3}):
        assert catalogue.regions_of(TRANSFERRED, data) == []
        assert not catalogue.in_scope(TRANSFERRED, data, "")
    assert catalogue.regions_of("registry.worker.deleted.v1", {"community_code": "31"}) == []


def test_one_delivery_per_subscriber_with_the_same_personal_data_rule_either_side() -> None:
    event = transfer("310101002001", "310104001001")
    old, old_pii = target("310101"), target("310101", pii=True)
    new, both, neither = target("310104"), target("31", pii=True), target("44", pii=True)
    deaf = target("310101", events=("registry.worker.registered.v1",))
    rows = delivery_rows([event], [old, old_pii, new, both, neither, deaf])
    by_target = {row["subscription_id"]: row for row in rows}
    assert len(rows) == len(by_target) == 4
    assert set(by_target) == {old.id, old_pii.id, new.id, both.id}
    for t in (old, new):
        body = orjson.loads(str(by_target[t.id]["body"]))
        assert "birth_date" not in body["data"]
        assert "retirement_date" not in body["data"]
        assert body["data"]["from_community_code"] == "310101002001"
    for t in (old_pii, both):
        body = orjson.loads(str(by_target[t.id]["body"]))
        assert body["data"]["birth_date"] == "1990-05-17"
    assert {row["event_id"] for row in rows} == {event.id}
