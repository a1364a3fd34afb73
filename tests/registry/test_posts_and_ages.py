"""学位 apart from 学历, the start of the current post and concurrent posts, the minimum
age of elected committee posts, the statutory retirement age (gradual raise from 2025,
as dated data) and exit reasons by category. Age errors name the rule, never an age or
a date of birth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cwp_common.clock import today_in_china
from cwp_common.settings import PlatformSettings
from cwp_registry.workers import rules
from cwp_registry.workers.exceptions import (
    BelowPostMinimumAge,
    InvalidConcurrentPosts,
    RetirementAgeReached,
)
from cwp_registry.workers.retirement import add_months, retirement_date
from tests.registry.conftest import Registry, assert_problem, start_registry
from tests.registry.helpers import GD_1, SH_1, id_number
from tests.registry.test_personal_data import audit
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens

URL = "/api/v1/registry/workers"
CADRE = "party_secretary"


# --- the retirement schedule (REFERENCE §3.5; NPC Standing Committee, 2024-09-13) ---------


@pytest.mark.parametrize(
    ("birth", "sex", "expected"),
    [
        # Men 60 -> 63, one month for every 4 months of birth dates from 2025-01.
        (date(1964, 12, 15), "male", date(2024, 12, 15)),  # before the raise: 60
        (date(1965, 1, 15), "male", date(2025, 2, 15)),  # 60 years 1 month
        (date(1965, 4, 30), "male", date(2025, 5, 30)),  # same 4-month group
        (date(1965, 5, 1), "male", date(2025, 7, 1)),  # 60 years 2 months
        (date(1976, 8, 31), "male", date(2039, 7, 31)),  # 62 years 11 months
        (date(1976, 9, 1), "male", date(2039, 9, 1)),  # from 1976-09 on: 63
        (date(1990, 1, 1), "male", date(2053, 1, 1)),  # capped at 63
        # Women in cadre posts 55 -> 58, one month for every 4 months.
        (date(1970, 1, 10), "female", date(2025, 2, 10)),  # 55 years 1 month
        (date(1981, 12, 31), "female", date(2039, 12, 31)),  # 58
    ],
)
def test_statutory_retirement_dates(birth: date, sex: str, expected: date) -> None:
    assert retirement_date(birth, sex, CADRE, SH_1) == expected


def test_women_in_worker_posts_where_a_jurisdiction_says_so() -> None:
    # 50 -> 55, one month for every 2 months: the group is per-jurisdiction data.
    from cwp_registry.workers.retirement import Group, Schedule, group_of, schedule

    s = schedule()
    local = Schedule(s.effective, s.groups, {**s.female_groups, "44": {"*": "female_worker"}})
    assert group_of("female", "full_time_worker", GD_1, local) == "female_worker"
    assert group_of("female", "full_time_worker", SH_1, local) == "female_cadre"
    assert group_of("male", "full_time_worker", GD_1, local) == "male"
    worker = s.groups["female_worker"]
    assert worker == Group(statutory_years=50, target_years=55, months_per_step=2)
    # The national default puts every post in the cadre group (nobody refused whom a
    # local rule would keep).
    assert group_of("female", "full_time_worker", GD_1, s) == "female_cadre"


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(1965, 1, 15), 721) == date(2025, 2, 15)


def test_age_rules_name_the_rule_only() -> None:
    birth = date(2009, 6, 1)
    with pytest.raises(BelowPostMinimumAge) as under:
        rules.check_post_ages(birth, [rules.Post("committee_member", date(2026, 5, 31))])
    rules.check_post_ages(birth, [rules.Post("committee_member", date(2027, 6, 1))])
    rules.check_post_ages(birth, [rules.Post("full_time_worker", date(2026, 5, 31))])
    with pytest.raises(RetirementAgeReached) as retired:
        rules.check_not_retired("id_number", date(2026, 1, 1), date(2026, 1, 1))
    for err in (under.value, retired.value):
        text = f"{err.detail} {err.errors}"
        assert "2009" not in text
        assert not any(str(n) in text for n in range(13, 17))  # no age
        assert "17" not in text


# --- the API --------------------------------------------------------------------------


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    await registry.add_community(SH_1)
    await registry.add_community(GD_1)
    return registry


async def last_event(reg: Registry, type_: str) -> dict[str, object]:
    rows = await reg.rows("SELECT body FROM outbox WHERE type = :t ORDER BY seq", t=type_)
    return dict(orjson.loads(rows[-1].body)["data"])


async def test_degree_post_start_and_concurrent_posts_are_recorded(reg: Registry) -> None:
    w = await reg.add_worker(
        id_number=id_number(birth=date(1990, 1, 2), seq=1),  # a man (odd sequence)
        position="committee_director",
        education="master",
        degree="bachelor",
        hire_date="2015-03-01",
        position_since="2021-05-01",
        concurrent_posts=[{"position": "party_secretary", "since": "2022-01-01"}],
    )
    assert (w["education"], w["degree"], w["position_since"]) == (
        "master",
        "bachelor",
        "2021-05-01",
    )
    assert w["concurrent_posts"] == [{"position": "party_secretary", "since": "2022-01-01"}]
    data = await last_event(reg, "registry.worker.registered.v1")
    assert (data["degree"], data["position_since"]) == ("bachelor", "2021-05-01")
    assert data["concurrent_posts"] == [{"position": "party_secretary", "since": "2022-01-01"}]
    assert data["retirement_date"] == "2053-01-02"  # born 1990-01 (male): 63
    # Without them: no 学位, the post starts on the hire date.
    plain = await reg.add_worker()
    assert (plain["degree"], plain["position_since"], plain["concurrent_posts"]) == (
        None,
        "2020-03-01",
        [],
    )


async def test_a_new_post_starts_a_new_term(reg: Registry) -> None:
    w = await reg.add_worker(position="committee_member", hire_date="2015-03-01")
    r = await reg.client.patch(
        f"{URL}/{w['id']}", json={"position": "party_secretary"}, headers=reg.auth()
    )
    assert r.status_code == 200, r.text
    assert r.json()["position_since"] == today_in_china().isoformat()
    r = await reg.client.patch(
        f"{URL}/{w['id']}",
        json={"position_since": "2024-07-01", "degree": "bachelor"},
        headers=reg.auth(),
    )
    assert (r.json()["position_since"], r.json()["degree"]) == ("2024-07-01", "bachelor")
    data = await last_event(reg, "registry.worker.updated.v1")
    assert data["changed"] == ["degree", "position_since"]
    r = await reg.client.patch(f"{URL}/{w['id']}", json={"degree": None}, headers=reg.auth())
    assert r.json()["degree"] is None


@pytest.mark.parametrize(
    ("fields", "slug", "field"),
    [
        (
            {"concurrent_posts": [{"position": "full_time_worker", "since": "2021-01-01"}]},
            "invalid-concurrent-posts",
            "concurrent_posts",
        ),
        (
            {
                "concurrent_posts": [
                    {"position": "party_secretary", "since": "2021-01-01"},
                    {"position": "party_secretary", "since": "2022-01-01"},
                ]
            },
            "invalid-concurrent-posts",
            "concurrent_posts",
        ),
        (
            {"concurrent_posts": [{"position": "party_secretary", "since": "2999-01-01"}]},
            "invalid-concurrent-posts",
            "concurrent_posts",
        ),
        ({"position_since": "2999-01-01"}, "date-in-future", "position_since"),
        ({"degree": "associate"}, "validation-error", None),
        (
            {"concurrent_posts": [{"position": "mayor", "since": "2021-01-01"}]},
            "validation-error",
            None,
        ),
    ],
)
async def test_bad_posts_are_refused_and_change_nothing(
    reg: Registry, fields: dict[str, Any], slug: str, field: str | None
) -> None:
    before = await reg.counts()
    r = await reg.client.post(URL, json=reg.worker_body(**fields), headers=reg.auth())
    body = assert_problem(r, 422, slug)
    if field is not None:
        assert body["errors"][0]["field"] == field
    assert await reg.counts() == before


async def test_elected_committee_members_are_at_least_18(reg: Registry) -> None:
    today = today_in_china()
    birth = date(today.year - 17, 1, 1)  # 17 this year
    number = id_number(birth=birth)
    before = await reg.counts()
    r = await reg.client.post(
        URL,
        json=reg.worker_body(
            id_number=number, position="committee_member", hire_date=today.isoformat()
        ),
        headers=reg.auth(),
    )
    body = assert_problem(r, 422, "below-post-minimum-age")
    assert body["errors"][0]["field"] == "position_since"
    text = r.text
    assert str(birth.year) not in text
    assert birth.isoformat() not in text
    assert "17" not in text.replace("2017", "")  # no age
    assert await reg.counts() == before
    # The same person may work as a full-time worker (working age 16), not be elected.
    w = await reg.add_worker(id_number=number, hire_date=today.isoformat())
    r = await reg.client.patch(
        f"{URL}/{w['id']}", json={"position": "deputy_director"}, headers=reg.auth()
    )
    assert_problem(r, 422, "below-post-minimum-age")
    r = await reg.client.patch(
        f"{URL}/{w['id']}",
        json={"concurrent_posts": [{"position": "committee_member", "since": today.isoformat()}]},
        headers=reg.auth(),
    )
    assert_problem(r, 422, "below-post-minimum-age")


async def test_registration_past_the_retirement_age_is_refused(reg: Registry) -> None:
    # Born 1960-06 (male): retired at 60 in 2020, before the raise.
    number = id_number(birth=date(1960, 6, 1), seq=11)
    before = await reg.counts()
    r = await reg.client.post(URL, json=reg.worker_body(id_number=number), headers=reg.auth())
    body = assert_problem(r, 422, "retirement-age-reached")
    assert "1960" not in r.text
    assert "66" not in body["detail"]
    assert await reg.counts() == before


EXIT_CASES = [
    ("full_time_worker", "labour_contract", "recalled", 422),
    ("committee_member", "labour_contract", "recalled", 200),
    ("committee_director", "labour_contract", "not_reelected", 200),
    ("full_time_worker", "labour_contract", "party_removal", 422),
    ("deputy_secretary", "labour_contract", "party_removal", 200),
    ("full_time_worker", "public_institution", "contract_end", 422),
    ("full_time_worker", "labour_contract", "contract_end", 200),
    ("full_time_worker", "labour_contract", "to_civil_service", 200),
    ("full_time_worker", "civil_servant", "to_institution", 200),
]


@pytest.mark.parametrize(("position", "employment", "reason", "status"), EXIT_CASES)
async def test_exit_reasons_by_category(
    reg: Registry, position: str, employment: str, reason: str, status: int
) -> None:
    w = await reg.add_worker(position=position, employment_type=employment)
    r = await reg.client.post(
        f"{URL}/{w['id']}/exit",
        json={"reason": reason, "exit_date": "2024-06-30"},
        headers=reg.auth(),
    )
    if status == 200:
        assert r.status_code == 200, r.text
        assert r.json()["exit_reason"] == reason
    else:
        body = assert_problem(r, 422, "exit-reason-not-applicable")
        assert body["errors"][0]["field"] == "reason"
        assert (await reg.client.get(f"{URL}/{w['id']}", headers=reg.auth())).json()[
            "status"
        ] == "active"


async def test_a_concurrent_elected_post_allows_a_recall(reg: Registry) -> None:
    w = await reg.add_worker(
        position="party_secretary",
        concurrent_posts=[{"position": "committee_director", "since": "2021-01-01"}],
    )
    r = await reg.client.post(
        f"{URL}/{w['id']}/exit",
        json={"reason": "recalled", "exit_date": "2024-06-30"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text


@pytest.fixture
async def limited(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Registry]:
    """A registry allowing 3 checks of ID numbers per account and hour."""
    url = await fresh_database(backend, "registry", tmp_path)
    async with start_registry(url, platform_settings, tokens, id_check_limit=3) as reg:
        await reg.add_community(SH_1)
        yield reg


async def test_the_post_age_rule_is_a_birth_date_probe(limited: Registry) -> None:
    """Whether a post date passes the minimum age of an elected post says something about
    the birth date: for a caller without pii each such check counts, like the
    working-age rule (test_personal_data)."""
    reg = limited
    w = await reg.add_worker(id_number=id_number(seq=153))  # born 1990-01-01
    path = f"{URL}/{w['id']}"
    statuses = []
    for since in ("2009-01-01", "2007-01-01", "2008-01-01"):
        body = {"position": "committee_member", "position_since": since}
        statuses.append((await reg.client.patch(path, json=body, headers=reg.auth())).status_code)
    assert statuses == [200, 422, 200]
    body = {"position": "committee_director", "position_since": "2008-06-01"}
    r = await reg.client.patch(path, json=body, headers=reg.auth())
    assert_problem(r, 429, "too-many-id-checks")
    outcomes = [(r.action, r.outcome) for r in await audit(reg) if r.action != "register"]
    assert outcomes == [
        ("birth-date-rule", "passed"),
        ("birth-date-rule", "failed"),
        ("birth-date-rule", "passed"),
        ("birth-date-rule", "rate-limited"),
    ]


@pytest.mark.parametrize(
    ("posts", "reason"),
    [
        ([rules.Post("committee_director", date(2020, 1, 1))] * 2, "repeated"),
        ([rules.Post("committee_director", date(2031, 5, 17))], "future"),
    ],
)
def test_a_concurrent_post_refusal_names_the_rule_and_no_value(
    posts: list[rules.Post], reason: str
) -> None:
    with pytest.raises(InvalidConcurrentPosts) as refused:
        rules.check_concurrent_posts("party_secretary", posts, date(2026, 12, 2))
    detail = refused.value.detail
    assert detail is not None
    assert detail.startswith(InvalidConcurrentPosts.MESSAGES[reason])
    for value in ("2020", "2031", "committee_director"):
        assert value not in detail
