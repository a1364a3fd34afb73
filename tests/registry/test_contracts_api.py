"""Labour contracts and social-insurance enrolments through the real app: signing,
renewals up to the open-ended contract, ending (also by the worker's exit), expiry
reminders, bad input (nothing written) and scope."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, timedelta
from typing import Any

import orjson
import pytest

from cwp_common.clock import today_in_china
from cwp_common.events.contracts import ContractEnded, ContractRenewed, ContractSigned
from cwp_registry.contracts.jobs import remind_expiring
from cwp_registry.ops import add_commands
from tests.registry.conftest import Registry, assert_problem, start_registry
from tests.registry.helpers import GD_1, SH_1
from tests.support.dates import FUTURE

API = "/api/v1/registry"
TODAY = today_in_china()


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    for code in (SH_1, GD_1):
        await registry.add_community(code)
    return registry


def contract(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "fixed_term",
        "start_date": "2020-03-01",
        "end_date": "2023-02-28",
        "probation_months": 6,
        "signed_on": "2020-03-01",
        "employer_name": "南京东路街道办事处",
    } | fields


async def sign(reg: Registry, worker_id: str, **fields: Any) -> Any:
    return await reg.client.post(
        f"{API}/workers/{worker_id}/contracts", json=contract(**fields), headers=reg.auth()
    )


async def renew(reg: Registry, contract_id: str, **fields: Any) -> Any:
    body = {"kind": "fixed_term"} | fields
    return await reg.client.post(
        f"{API}/contracts/{contract_id}/renew", json=body, headers=reg.auth()
    )


async def contract_events(reg: Registry) -> list[Any]:
    """The contract events staged, in order (no personal data in any of them)."""
    rows = await reg.rows(
        "SELECT type, body FROM outbox WHERE type LIKE 'registry.contract.%' "
        "AND type != 'registry.contract.expiring.v1' ORDER BY seq"
    )
    out = []
    for row in rows:
        body = orjson.loads(row.body)
        assert not {"name", "id_number", "birth_date", "phone"} & set(body["data"])
        out.append(argparse.Namespace(type=row.type, data=body["data"]))
    return out


async def contract_count(reg: Registry) -> int:
    return len(await reg.rows("SELECT id FROM labour_contracts"))


async def test_signing_records_the_terms_and_the_employer(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    r = await sign(reg, w["id"])
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["employer_code"] == SH_1[:9]
    assert c["employer_kind"] == "street"
    assert c["term_months"] == 36
    assert c["probation_end_date"] == "2020-08-31"
    assert c["status"] == "active"
    assert c["signed_late"] is False
    got = await reg.client.get(f"{API}/contracts/{c['id']}", headers=reg.auth("viewer"))
    assert got.json() == c
    listed = await reg.client.get(f"{API}/workers/{w['id']}/contracts", headers=reg.auth())
    assert [x["id"] for x in listed.json()["items"]] == [c["id"]]


async def test_civil_servants_sign_no_labour_contract(reg: Registry) -> None:
    w = await reg.add_worker(SH_1, employment_type="civil_servant")
    assert_problem(await sign(reg, w["id"]), 422, "contract-not-applicable")
    assert await contract_count(reg) == 0


@pytest.mark.parametrize(
    ("fields", "status", "slug"),
    [
        ({"end_date": "2020-02-28"}, 422, "invalid-contract-dates"),
        ({"end_date": None}, 422, "invalid-contract-dates"),
        ({"kind": "open_ended"}, 422, "invalid-contract-dates"),
        ({"start_date": "2019-03-01"}, 422, "invalid-contract-dates"),  # before hire
        ({"signed_on": FUTURE.isoformat()}, 422, "invalid-contract-dates"),
        ({"end_date": "2021-02-28", "probation_months": 3}, 422, "probation-too-long"),
        ({"end_date": "2023-02-30"}, 422, "validation-error"),  # no such day
        ({"start_date": "2020-13-01"}, 422, "validation-error"),
        ({"probation_months": -1}, 422, "validation-error"),
        ({"probation_months": 1.5}, 422, "validation-error"),
        ({"employer_name": "街道\u202e办"}, 422, "validation-error"),
        ({"surprise": 1}, 422, "validation-error"),
    ],
)
async def test_bad_contracts_are_refused_and_nothing_is_written(
    reg: Registry, fields: dict[str, Any], status: int, slug: str
) -> None:
    w = await reg.add_worker(SH_1)
    body = assert_problem(await sign(reg, w["id"], **fields), status, slug)
    assert "2023" not in body["detail"]  # no value is quoted back
    assert await contract_count(reg) == 0


async def test_a_second_current_contract_is_refused(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    assert (await sign(reg, w["id"])).status_code == 201
    assert_problem(await sign(reg, w["id"], probation_months=0), 409, "contract-overlaps")
    assert await contract_count(reg) == 1


async def test_renewals_lead_to_the_open_ended_contract(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    first = (await sign(reg, w["id"])).json()
    # A renewal: no second probation with the same employer, and it starts the next day.
    assert_problem(
        await renew(reg, first["id"], end_date="2026-02-28", probation_months=1),
        422,
        "probation-already-used",
    )
    assert_problem(
        await renew(reg, first["id"], start_date="2023-03-02", end_date="2026-02-28"),
        422,
        "invalid-contract-dates",
    )
    r = await renew(reg, first["id"], end_date="2026-02-28")
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["start_date"] == "2023-03-01"
    assert second["previous_id"] == first["id"]
    old = (await reg.client.get(f"{API}/contracts/{first['id']}", headers=reg.auth())).json()
    assert old["status"] == "renewed"
    assert_problem(await renew(reg, first["id"], end_date="2029-02-28"), 409, "contract-not-active")

    terms = await reg.client.get(
        f"{API}/contracts/{second['id']}/renewal-terms", headers=reg.auth()
    )
    assert terms.json() | {"contract_id": None} == {
        "contract_id": None,
        "renewal_start": "2026-03-01",
        "open_ended_required": True,
        "reasons": ["consecutive_fixed_terms"],
        "continuous_service_since": "2020-03-01",
        "consecutive_fixed_terms": 2,
        "probation_allowed": False,
    }
    assert_problem(
        await renew(reg, second["id"], end_date="2029-02-28"), 422, "open-ended-required"
    )
    asked = await renew(reg, second["id"], end_date="2029-02-28", worker_requested_fixed_term=True)
    assert asked.status_code == 201, asked.text
    assert asked.json()["worker_requested_fixed_term"] is True
    third = asked.json()
    fourth = await renew(reg, third["id"], kind="open_ended")
    assert fourth.status_code == 201, fourth.text
    assert fourth.json()["end_date"] is None
    assert fourth.json()["term_months"] is None
    assert_problem(await renew(reg, fourth.json()["id"]), 409, "contract-open-ended")
    assert await contract_count(reg) == 4
    active = await reg.rows("SELECT id FROM labour_contracts WHERE status = 'active'")
    assert len(active) == 1
    # One event per signature and renewal, parsed with the shared contracts; refused
    # renewals staged none.
    events = await contract_events(reg)
    assert [e.type for e in events] == [
        ContractSigned.type,
        ContractRenewed.type,
        ContractRenewed.type,
        ContractRenewed.type,
    ]
    signed = ContractSigned.model_validate(events[0].data)
    assert (signed.contract_id, signed.kind, str(signed.probation_end_date)) == (
        first["id"],
        "fixed_term",
        "2020-08-31",
    )
    assert signed.employer_code == SH_1[:9]
    renewals = [ContractRenewed.model_validate(e.data) for e in events[1:]]
    assert [(r.previous_contract_id, r.converted_to_open_ended) for r in renewals] == [
        (first["id"], False),
        (second["id"], False),
        (third["id"], True),
    ]
    assert renewals[-1].end_date is None


async def test_ending_a_contract_and_the_exit_ends_it_too(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    c = (await sign(reg, w["id"], end_date="2030-02-28")).json()
    url = f"{API}/contracts/{c['id']}/end"
    bad = await reg.client.post(
        url, json={"ended_on": "2031-01-01", "reason": "expired"}, headers=reg.auth()
    )
    assert_problem(bad, 422, "invalid-contract-dates")
    ok = await reg.client.post(
        url, json={"ended_on": "2024-06-30", "reason": "mutual_agreement"}, headers=reg.auth()
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["ended_on"]) == ("ended", "2024-06-30")

    other = await reg.add_worker(SH_1)
    c2 = (await sign(reg, other["id"], end_date="2030-02-28")).json()
    r = await reg.client.post(
        f"{API}/workers/{other['id']}/exit",
        json={"reason": "resignation", "exit_date": "2024-09-30"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    ended = (await reg.client.get(f"{API}/contracts/{c2['id']}", headers=reg.auth())).json()
    assert (ended["status"], ended["ended_on"], ended["end_reason"]) == (
        "ended",
        "2024-09-30",
        "worker_exited",
    )
    assert_problem(await sign(reg, other["id"], probation_months=0), 409, "worker-exited")
    ends = [
        ContractEnded.model_validate(e.data)
        for e in await contract_events(reg)
        if e.type == ContractEnded.type
    ]
    assert [(e.contract_id, str(e.ended_on), e.reason) for e in ends] == [
        (c["id"], "2024-06-30", "mutual_agreement"),
        (c2["id"], "2024-09-30", "worker_exited"),
    ]
    assert all(e.community_code == SH_1 for e in ends)


async def test_expiry_reminders_are_sent_once_30_days_ahead(reg: Registry) -> None:
    soon, later, gone = [await reg.add_worker(SH_1) for _ in range(3)]
    ends = {
        soon["id"]: TODAY + timedelta(days=30),
        later["id"]: TODAY + timedelta(days=31),
        gone["id"]: TODAY + timedelta(days=5),
    }
    ids = {}
    for worker_id, end in ends.items():
        r = await sign(reg, worker_id, end_date=end.isoformat(), probation_months=0)
        assert r.status_code == 201, r.text
        ids[worker_id] = r.json()["id"]
    await reg.client.post(
        f"{API}/workers/{gone['id']}/exit",
        json={"reason": "resignation", "exit_date": TODAY.isoformat()},
        headers=reg.auth(),
    )
    sessions = reg.app.state.runtime.sessions
    assert await remind_expiring(sessions, TODAY, 30) == 1
    assert await remind_expiring(sessions, TODAY, 30) == 0  # once
    rows = await reg.rows("SELECT body FROM outbox WHERE type = 'registry.contract.expiring.v1'")
    assert len(rows) == 1
    data = orjson.loads(rows[0].body)["data"]
    assert data == {
        "contract_id": ids[soon["id"]],
        "worker_id": soon["id"],
        "community_code": SH_1,
        "end_date": ends[soon["id"]].isoformat(),
        "days_left": 30,
        "open_ended_required": False,
    }
    # The next day the other one is due.
    assert await remind_expiring(sessions, TODAY + timedelta(days=1), 30) == 1
    shown = await reg.client.get(f"{API}/contracts/{ids[soon['id']]}", headers=reg.auth())
    assert shown.json()["reminded_on"] == TODAY.isoformat()


async def test_contract_list_filters_and_scope(reg: Registry) -> None:
    sh = await reg.add_worker(SH_1)
    gd = await reg.add_worker(GD_1)
    c_sh = (await sign(reg, sh["id"])).json()
    c_gd = (await sign(reg, gd["id"], employer_name="华林街道办事处")).json()
    shanghai = reg.auth(region="31")
    r = await reg.client.get(f"{API}/contracts", headers=shanghai)
    assert [c["id"] for c in r.json()["items"]] == [c_sh["id"]]
    r = await reg.client.get(f"{API}/contracts", params={"region": "44"}, headers=reg.auth())
    assert [c["id"] for c in r.json()["items"]] == [c_gd["id"]]
    r = await reg.client.get(
        f"{API}/contracts", params={"ending_by": "2022-12-31"}, headers=reg.auth()
    )
    assert r.json()["items"] == []
    r = await reg.client.get(f"{API}/contracts", params={"limit": 1}, headers=reg.auth())
    assert r.json()["next_cursor"] is not None
    r = await reg.client.get(f"{API}/contracts", params={"limit": 2}, headers=reg.auth())
    assert r.json()["next_cursor"] is None  # a last page exactly `limit` long
    for url in (f"{API}/contracts/{c_gd['id']}", f"{API}/contracts/{c_gd['id']}/renewal-terms"):
        assert_problem(await reg.client.get(url, headers=shanghai), 404, "not-found")
    assert_problem(
        await reg.client.post(
            f"{API}/contracts/{c_gd['id']}/renew", json={"kind": "open_ended"}, headers=shanghai
        ),
        404,
        "not-found",
    )
    assert_problem(
        await reg.client.post(
            f"{API}/workers/{gd['id']}/contracts", json=contract(), headers=shanghai
        ),
        404,
        "not-found",
    )
    # After a transfer to Shanghai the contract follows the worker.
    await reg.add_community("310104003005")
    moved = await reg.client.post(
        f"{API}/workers/{gd['id']}/transfer",
        json={"to_community_code": "310104003005", "effective_date": TODAY.isoformat()},
        headers=reg.auth(),
    )
    assert moved.status_code == 200, moved.text
    r = await reg.client.get(f"{API}/contracts/{c_gd['id']}", headers=shanghai)
    assert r.status_code == 200


def enrolment(**fields: Any) -> dict[str, Any]:
    return {
        "scheme": "pension",
        "insured_place": "310101",
        "start_date": "2020-03-01",
        "contribution_base": "7310.00",
    } | fields


async def test_social_insurance_and_housing_fund_enrolment(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    url = f"{API}/workers/{w['id']}/social-insurance"
    r = await reg.client.post(url, json=enrolment(), headers=reg.auth())
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["contribution_base"] == "7310.00"  # a decimal string, never a float
    assert (
        await reg.client.post(
            url,
            json=enrolment(scheme="housing_fund", contribution_base="7310.5"),
            headers=reg.auth(),
        )
    ).json()["contribution_base"] == "7310.50"
    assert_problem(
        await reg.client.post(url, json=enrolment(start_date="2024-01-01"), headers=reg.auth()),
        409,
        "enrolment-overlaps",
    )
    end = await reg.client.post(
        f"{API}/social-insurance/{e['id']}/end", json={"end_date": "2023-12-31"}, headers=reg.auth()
    )
    assert end.status_code == 200, end.text
    again = await reg.client.post(url, json=enrolment(start_date="2024-01-01"), headers=reg.auth())
    assert again.status_code == 201, again.text
    listed = await reg.client.get(url, params={"scheme": "pension"}, headers=reg.auth())
    assert [x["start_date"] for x in listed.json()["items"]] == ["2020-03-01", "2024-01-01"]
    assert_problem(
        await reg.client.post(
            f"{API}/social-insurance/{e['id']}/end",
            json={"end_date": "2024-01-01"},
            headers=reg.auth(),
        ),
        409,
        "enrolment-ended",
    )


@pytest.mark.parametrize(
    ("fields", "slug"),
    [
        ({"end_date": "2019-12-31"}, "invalid-contract-dates"),
        ({"start_date": "2019-01-01"}, "invalid-contract-dates"),  # before hire
        ({"scheme": "maternity"}, "validation-error"),  # merged into medical
        ({"insured_place": "31010"}, "validation-error"),
        ({"contribution_base": "12.345"}, "validation-error"),
        ({"contribution_base": "-1"}, "validation-error"),
    ],
)
async def test_bad_enrolments_write_nothing(
    reg: Registry, fields: dict[str, Any], slug: str
) -> None:
    w = await reg.add_worker(SH_1)
    r = await reg.client.post(
        f"{API}/workers/{w['id']}/social-insurance", json=enrolment(**fields), headers=reg.auth()
    )
    assert_problem(r, 422, slug)
    assert await reg.rows("SELECT id FROM insurance_enrolments") == []


async def test_the_reminder_job_runs_at_start(reg: Registry) -> None:
    """The job of a freshly started replica finds a contract due and announces it."""
    w = await reg.add_worker(SH_1)
    end = (TODAY + timedelta(days=10)).isoformat()
    assert (await sign(reg, w["id"], end_date=end, probation_months=0)).status_code == 201
    url = str(reg.app.state.runtime.engine.url.render_as_string(hide_password=False))
    runtime = reg.app.state.runtime
    async with start_registry(
        url, runtime.platform, reg.tokens, contract_reminders=True
    ) as replica:
        for _ in range(100):
            rows = await replica.rows(
                "SELECT seq FROM outbox WHERE type = 'registry.contract.expiring.v1'"
            )
            if rows:
                break
            await asyncio.sleep(0.05)
    assert len(rows) == 1
    assert date.fromisoformat(end) > TODAY


async def test_the_ops_command_runs_the_reminder_once(
    reg: Registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cwp registry-contract-reminders`: the same job, from the ops CLI."""
    w = await reg.add_worker(SH_1)
    end = (TODAY + timedelta(days=12)).isoformat()
    assert (await sign(reg, w["id"], end_date=end, probation_months=0)).status_code == 201
    url = reg.app.state.runtime.engine.url.render_as_string(hide_password=False)
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["registry-contract-reminders", "--date", TODAY.isoformat()])
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    await asyncio.to_thread(args.handler, args)
    assert "1 contract expiry reminder(s)" in capsys.readouterr().out
    rows = await reg.rows("SELECT seq FROM outbox WHERE type = 'registry.contract.expiring.v1'")
    assert len(rows) == 1
    await asyncio.to_thread(args.handler, args)
    assert "0 contract expiry reminder(s)" in capsys.readouterr().out
