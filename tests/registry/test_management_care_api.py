"""Management (duty rules and records, rewards and discipline), supervision (disclosures,
economic responsibility audits) and care records through the real app: rules with
worked examples, bad input writing nothing, and scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from cwp_common.clock import today_in_china
from cwp_common.problems import ProblemError
from cwp_registry.management import rules as management
from cwp_registry.management.models import DutyRule
from cwp_registry.supervision import rules as supervision
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1
from tests.support.dates import FUTURE

API = "/api/v1/registry"
TODAY = today_in_china()
AHEAD = FUTURE.isoformat()


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    for code in (SH_1, GD_1):
        await registry.add_community(code)
    return registry


async def count(reg: Registry, table: str) -> int:
    return len(await reg.rows(f"SELECT id FROM {table}"))


# --- rules ---------------------------------------------------------------------------------


def rule(jurisdiction: str, start: str, end: str | None = None) -> DutyRule:
    return DutyRule(
        jurisdiction=jurisdiction,
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end) if end else None,
    )


def test_the_most_specific_rule_in_force_applies() -> None:
    city, district, old = (
        rule("3101", "2020-01-01"),
        rule("310101", "2024-01-01"),
        rule("310101", "2020-01-01", "2023-12-31"),
    )
    rules = [city, district, old]
    assert management.rule_for(rules, SH_1, date(2024, 6, 1)) is district
    assert management.rule_for(rules, SH_1, date(2022, 6, 1)) is old
    assert management.rule_for(rules, "310104003005", date(2024, 6, 1)) is city
    with pytest.raises(ProblemError) as exc:
        management.rule_for(rules, SH_1, date(2019, 12, 31))
    assert exc.value.slug == "no-duty-rule"


def test_reward_and_discipline_categories_do_not_mix() -> None:
    management.check_category("reward", "commendation")
    management.check_category("discipline", "warning")
    for kind, category in (("reward", "warning"), ("discipline", "bonus")):
        with pytest.raises(ProblemError):
            management.check_category(kind, category)


def test_audit_subjects_and_dates() -> None:
    supervision.check_auditable("tenure", "party_secretary", ["party_secretary"])
    supervision.check_auditable("departure", "party_secretary", [])  # left the post
    with pytest.raises(ProblemError) as exc:
        supervision.check_auditable("tenure", "committee_director", ["party_secretary"])
    assert exc.value.slug == "not-auditable"
    d = date.fromisoformat
    supervision.check_audit_dates(d("2021-01-01"), d("2025-12-31"), d("2026-01-10"), None)
    with pytest.raises(ProblemError):
        supervision.check_audit_dates(d("2021-01-01"), d("2020-12-31"), d("2026-01-10"), None)
    with pytest.raises(ProblemError):
        supervision.check_audit_dates(
            d("2021-01-01"), d("2025-12-31"), d("2026-01-10"), d("2026-01-09")
        )


# --- duty and conduct ----------------------------------------------------------------------


def duty_rule(**fields: Any) -> dict[str, Any]:
    return {
        "jurisdiction": "310101",
        "kind": "on_call",
        "title": "黄浦区社区值班制度",
        "rule": "工作日17:00-21:00轮流值班，节假日全天值班",
        "effective_from": "2024-01-01",
    } | fields


async def test_duties_follow_the_jurisdictions_rules(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    url = f"{API}/workers/{w['id']}/duties"
    duty = {"kind": "on_call", "on": TODAY.isoformat(), "hours": "4"}
    assert_problem(await reg.client.post(url, json=duty, headers=reg.auth()), 422, "no-duty-rule")
    r = await reg.client.post(f"{API}/duty-rules", json=duty_rule(), headers=reg.auth())
    assert r.status_code == 201, r.text
    rule_id = r.json()["id"]
    r = await reg.client.post(url, json=duty, headers=reg.auth())
    assert r.status_code == 201, r.text
    assert (r.json()["rule_id"], r.json()["hours"]) == (rule_id, "4.00")
    for bad, slug in (
        ({"hours": "25"}, "validation-error"),
        ({"hours": "0"}, "validation-error"),
        ({"on": AHEAD}, "date-in-future"),
        ({"on": "2023-06-01"}, "no-duty-rule"),  # before the rule took effect
        ({"kind": "night_duty"}, "no-duty-rule"),
    ):
        assert_problem(await reg.client.post(url, json=duty | bad, headers=reg.auth()), 422, slug)
    assert await count(reg, "duty_records") == 1
    listed = await reg.client.get(url, headers=reg.auth())
    assert len(listed.json()["items"]) == 1
    # A street office reads its district's rule; Guangdong does not.
    street = await reg.client.get(f"{API}/duty-rules", headers=reg.auth(region=SH_1[:9]))
    assert [x["id"] for x in street.json()["items"]] == [rule_id]
    gd = await reg.client.get(f"{API}/duty-rules", headers=reg.auth(region="44"))
    assert gd.json()["items"] == []
    r = await reg.client.post(f"{API}/duty-rules", json=duty_rule(), headers=reg.auth(region="44"))
    assert_problem(r, 403, "out-of-scope")
    r = await reg.client.post(
        f"{API}/duty-rules", json=duty_rule(effective_to="2023-01-01"), headers=reg.auth()
    )
    assert_problem(r, 422, "invalid-dates")
    assert await count(reg, "duty_rules") == 1


async def test_rewards_and_discipline(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    url = f"{API}/workers/{w['id']}/conduct"
    body = {
        "kind": "reward",
        "category": "commendation",
        "decided_on": TODAY.isoformat(),
        "authority": "南京东路街道党工委",
        "reason": "疫情防控表现突出",
    }
    assert (await reg.client.post(url, json=body, headers=reg.auth())).status_code == 201
    discipline = body | {"kind": "discipline", "category": "warning", "reason": "值班脱岗"}
    assert (await reg.client.post(url, json=discipline, headers=reg.auth())).status_code == 201
    for bad, slug in (
        ({"category": "warning"}, "category-mismatch"),
        ({"reason": ""}, "validation-error"),
        ({"decided_on": AHEAD}, "date-in-future"),
    ):
        assert_problem(await reg.client.post(url, json=body | bad, headers=reg.auth()), 422, slug)
    listed = await reg.client.get(url, params={"kind": "discipline"}, headers=reg.auth())
    assert [x["category"] for x in listed.json()["items"]] == ["warning"]
    assert await count(reg, "conduct_records") == 2
    assert_problem(
        await reg.client.post(url, json=body, headers=reg.auth(region="44")), 404, "not-found"
    )


# --- supervision ----------------------------------------------------------------------------


def disclosure(**fields: Any) -> dict[str, Any]:
    return {
        "community_code": SH_1,
        "kind": "finance",
        "title": "2026年第三季度财务收支公开",
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "published_on": "2026-10-10",
        "channel": "both",
    } | fields


async def test_disclosures_per_community(reg: Registry) -> None:
    r = await reg.client.post(f"{API}/disclosures", json=disclosure(), headers=reg.auth())
    assert r.status_code == 201, r.text
    for bad, status, slug in (
        ({"period_end": "2026-06-30"}, 422, "invalid-dates"),
        ({"published_on": "2026-06-30"}, 422, "invalid-dates"),
        (
            {"published_on": AHEAD, "period_start": TODAY.isoformat(), "period_end": AHEAD},
            422,
            "date-in-future",
        ),
        ({"kind": "gossip"}, 422, "validation-error"),
        ({"community_code": "310101002099"}, 422, "unknown-community"),
        ({"community_code": GD_1}, 403, "out-of-scope"),
    ):
        r = await reg.client.post(
            f"{API}/disclosures", json=disclosure(**bad), headers=reg.auth(region="31")
        )
        assert_problem(r, status, slug)
    assert await count(reg, "disclosures") == 1
    listed = await reg.client.get(
        f"{API}/disclosures", params={"community_code": SH_1, "kind": "finance"}, headers=reg.auth()
    )
    assert len(listed.json()["items"]) == 1
    gd = await reg.client.get(f"{API}/disclosures", headers=reg.auth(region="44"))
    assert gd.json()["items"] == []


async def test_economic_responsibility_audits(reg: Registry) -> None:
    secretary = await reg.add_worker(
        SH_1, position="party_secretary", political_status="cpc_member"
    )
    worker = await reg.add_worker(SH_1)
    body = {
        "position": "party_secretary",
        "kind": "tenure",
        "period_from": "2021-01-01",
        "period_to": "2025-12-31",
        "auditor": "黄浦区审计局",
        "started_on": "2026-01-10",
    }
    r = await reg.client.post(
        f"{API}/workers/{secretary['id']}/audits", json=body, headers=reg.auth()
    )
    assert r.status_code == 201, r.text
    audit = r.json()
    assert_problem(
        await reg.client.post(
            f"{API}/workers/{worker['id']}/audits", json=body, headers=reg.auth()
        ),
        422,
        "not-auditable",
    )
    departure = body | {"kind": "departure"}
    assert (
        await reg.client.post(
            f"{API}/workers/{worker['id']}/audits", json=departure, headers=reg.auth()
        )
    ).status_code == 201
    assert_problem(
        await reg.client.post(
            f"{API}/workers/{secretary['id']}/audits",
            json=body | {"position": "full_time_worker"},
            headers=reg.auth(),
        ),
        422,
        "validation-error",
    )
    url = f"{API}/audits/{audit['id']}/conclusion"
    early = {"concluded_on": "2026-01-09", "conclusion": "no_issues"}
    assert_problem(await reg.client.post(url, json=early, headers=reg.auth()), 422, "invalid-dates")
    ok = {"concluded_on": "2026-03-31", "conclusion": "issues_rectified", "note": "已整改"}
    r = await reg.client.post(url, json=ok, headers=reg.auth())
    assert (r.json()["conclusion"], r.json()["concluded_on"]) == ("issues_rectified", "2026-03-31")
    assert_problem(await reg.client.post(url, json=ok, headers=reg.auth()), 409, "audit-concluded")
    assert_problem(
        await reg.client.post(url, json=ok, headers=reg.auth(region="44")), 404, "not-found"
    )
    listed = await reg.client.get(f"{API}/workers/{secretary['id']}/audits", headers=reg.auth())
    assert [x["id"] for x in listed.json()["items"]] == [audit["id"]]


# --- care -------------------------------------------------------------------------------------


async def test_care_records(reg: Registry) -> None:
    w = await reg.add_worker(SH_1)
    url = f"{API}/workers/{w['id']}/care"
    day = (TODAY - timedelta(days=3)).isoformat()
    records = [
        {"kind": "health_check", "on": day, "provider": "黄浦区中心医院"},
        {"kind": "visit", "on": day, "occasion": "festival", "visited_by": "街道党工委"},
        {
            "kind": "honour",
            "on": day,
            "title": "优秀社区工作者",
            "level": "city",
            "awarded_by": "上海市民政局",
        },
        {
            "kind": "nomination",
            "on": day,
            "body": "peoples_congress",
            "level": "county",
            "outcome": "elected",
            "term": "2022-2027",
        },
    ]
    for body in records:
        r = await reg.client.post(url, json=body, headers=reg.auth())
        assert r.status_code == 201, r.text
    shown = (await reg.client.get(url, params={"kind": "nomination"}, headers=reg.auth())).json()
    assert shown["items"][0]["details"] == {
        "body": "peoples_congress",
        "level": "county",
        "outcome": "elected",
        "term": "2022-2027",
    }
    for bad, slug in (
        (
            {"kind": "health_check", "on": day, "provider": "医院", "findings": "高血压"},
            "validation-error",
        ),
        (
            {
                "kind": "nomination",
                "on": day,
                "body": "senate",
                "level": "county",
                "outcome": "elected",
            },
            "validation-error",
        ),
        (
            {"kind": "visit", "on": AHEAD, "occasion": "festival", "visited_by": "街道"},
            "date-in-future",
        ),
        (
            {"kind": "honour", "on": day, "title": "\u200b", "level": "city", "awarded_by": "x"},
            "validation-error",
        ),
        ({"kind": "party"}, "validation-error"),
    ):
        assert_problem(await reg.client.post(url, json=bad, headers=reg.auth()), 422, slug)
    assert await count(reg, "care_records") == 4
    assert_problem(await reg.client.get(url, headers=reg.auth(region="44")), 404, "not-found")
    r = await reg.client.get(url, params={"limit": 4}, headers=reg.auth())
    assert r.json()["next_cursor"] is None  # a last page exactly `limit` long
