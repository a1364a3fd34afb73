"""Who is a community worker (issue 11 §7): employment types of the Opinion's scope of
people, terms of office of elected posts, and communities whose codes are withdrawn and
reused."""

from __future__ import annotations

from datetime import date

import orjson

from cwp_registry.terms import rules as terms
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, SH_2

W = "/api/v1/registry/workers"
C = "/api/v1/registry/communities"


async def _events(reg: Registry, prefix: str) -> list[dict[str, object]]:
    rows = await reg.rows("SELECT type, body FROM outbox ORDER BY seq")
    return [
        {"type": r.type, **orjson.loads(r.body)["data"]} for r in rows if r.type.startswith(prefix)
    ]


# --- rules ----------------------------------------------------------------------------------


def test_terms_last_five_years_since_the_2018_amendment_and_three_before() -> None:
    assert terms.term_years("residents_committee", SH_1, date(2021, 6, 1)) == 5
    assert terms.term_years("residents_committee", SH_1, date(2018, 12, 28)) == 3
    assert terms.term_years("party_organisation", SH_1, date(2018, 12, 29)) == 5
    assert terms.due_end(date(2021, 6, 1), 5) == date(2026, 6, 1)
    assert terms.due_end(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_a_local_rule_wins_over_the_national_one_from_its_date() -> None:
    lengths = (
        *terms.LENGTHS,
        terms.TermLength("31", "residents_committee", date(2022, 1, 1), 4),
    )
    assert terms.term_years("residents_committee", SH_1, date(2023, 1, 1), lengths) == 4
    assert terms.term_years("residents_committee", GD_1, date(2023, 1, 1), lengths) == 5


def test_plan_closes_what_is_no_longer_held_and_opens_new_elected_posts() -> None:
    held = [
        terms.Held("party_secretary", date(2021, 1, 1)),
        terms.Held("full_time_worker", date(2021, 1, 1)),
    ]
    opened = [terms.Open("committee_director", SH_1, date(2019, 1, 1))]
    closing, starting = terms.plan(held, SH_1, opened, exited=False)
    assert closing == [(opened[0], "post_changed")]
    assert starting == [held[0]], "a post without a term (full_time_worker) opens none"
    assert terms.plan(held, SH_2, opened, exited=False)[0] == [(opened[0], "transferred")]
    assert terms.plan(held, SH_1, opened, exited=True) == ([(opened[0], "exited")], [])


# --- employment types ---------------------------------------------------------------------


async def test_serving_without_a_contract_needs_an_elected_or_party_post(
    registry: Registry,
) -> None:
    reg = registry
    await reg.add_community(SH_1)
    before = await reg.counts()
    for employment, position in [
        ("elected", "full_time_worker"),
        ("elected", "party_secretary"),
        ("party_organisation", "committee_member"),
        ("elected", "party_committee_member"),
    ]:
        r = await reg.client.post(
            W,
            json=reg.worker_body(employment_type=employment, position=position),
            headers=reg.auth(),
        )
        body = assert_problem(r, 422, "employment-type-mismatch")
        assert body["errors"][0]["field"] == "employment_type"
    assert await reg.counts() == before
    elected = await reg.add_worker(employment_type="elected", position="committee_member")
    assert elected["employment_type"] == "elected"
    # A secretary who is also director serves as elected through the concurrent post.
    both = await reg.add_worker(
        employment_type="elected",
        position="party_secretary",
        concurrent_posts=[{"position": "committee_director", "since": "2021-05-01"}],
    )
    assert both["employment_type"] == "elected"
    # 社区党组织委员: a Party post of its own, serving without a contract, with a term of
    # the Party organisation (5 years).
    member = await reg.add_worker(
        employment_type="party_organisation",
        position="party_committee_member",
        position_since="2024-03-01",
    )
    assert member["position"] == "party_committee_member"
    r = await reg.client.get(f"{W}/{member['id']}/terms", headers=reg.auth())
    assert r.status_code == 200, r.text
    assert [(t["body"], t["position"], t["due_end"]) for t in r.json()] == [
        ("party_organisation", "party_committee_member", "2029-03-01")
    ]


async def test_patching_away_the_post_an_employment_type_needs_is_refused(
    registry: Registry,
) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(employment_type="party_organisation", position="party_secretary")
    before = await reg.counts()
    for patch in (
        {"position": "full_time_worker"},
        {"employment_type": "elected"},
    ):
        r = await reg.client.patch(f"{W}/{w['id']}", json=patch, headers=reg.auth())
        assert_problem(r, 422, "employment-type-mismatch")
    assert await reg.counts() == before
    r = await reg.client.patch(
        f"{W}/{w['id']}",
        json={"position": "full_time_worker", "employment_type": "labour_contract"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text


async def test_contract_exit_reasons_need_a_contract(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(employment_type="elected", position="committee_member")
    r = await reg.client.post(
        f"{W}/{w['id']}/exit",
        json={"reason": "contract_end", "exit_date": "2024-01-01"},
        headers=reg.auth(),
    )
    assert_problem(r, 422, "exit-reason-not-applicable")
    r = await reg.client.post(
        f"{W}/{w['id']}/exit",
        json={"reason": "not_reelected", "exit_date": "2024-01-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text


# --- terms of office ------------------------------------------------------------------------


async def test_an_elected_post_opens_a_five_year_term(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(
        position="committee_director",
        position_since="2021-06-01",
        concurrent_posts=[{"position": "party_secretary", "since": "2021-05-20"}],
    )
    plain = await reg.add_worker(position="full_time_worker")
    r = await reg.client.get(f"{W}/{w['id']}/terms", headers=reg.auth())
    assert r.status_code == 200
    got = {
        (t["position"], t["body"], t["term_start"], t["due_end"], t["ended_on"]) for t in r.json()
    }
    assert got == {
        ("committee_director", "residents_committee", "2021-06-01", "2026-06-01", None),
        ("party_secretary", "party_organisation", "2021-05-20", "2026-05-20", None),
    }
    r = await reg.client.get(f"{W}/{plain['id']}/terms", headers=reg.auth())
    assert r.json() == []
    started = await _events(reg, "registry.term.started")
    assert len(started) == 2
    assert {e["worker_id"] for e in started} == {w["id"]}
    assert not {"birth_date", "id_number", "phone", "name"} & set(started[0])


async def test_reelection_completes_the_term_and_starts_the_next(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(position="committee_member", position_since="2018-06-01")
    url = f"{W}/{w['id']}/terms"
    before = await reg.counts()
    for body, slug_field in [
        ({"position": "committee_member", "term_start": "2018-06-01"}, "term_start"),
        ({"position": "committee_member", "term_start": "2999-01-01"}, "term_start"),
        ({"position": "committee_director", "term_start": "2021-06-01"}, "position"),
    ]:
        r = await reg.client.post(url, json=body, headers=reg.auth())
        problem = assert_problem(r, 422, "invalid-term")
        assert problem["errors"][0]["field"] == slug_field
    assert await reg.counts() == before
    r = await reg.client.post(
        url, json={"position": "committee_member", "term_start": "2021-06-01"}, headers=reg.auth()
    )
    assert r.status_code == 201, r.text
    assert r.json()["term_start"] == "2021-06-01"
    assert r.json()["due_end"] == "2026-06-01", "a term begun after 2018-12-29 lasts 5 years"
    history = (await reg.client.get(url, headers=reg.auth())).json()
    first = history[0]
    assert (first["due_end"], first["ended_on"], first["end_reason"]) == (
        "2021-06-01",
        "2021-05-31",
        "completed",
    ), "a term begun before the 2018 amendment lasted 3 years"
    [ended] = await _events(reg, "registry.term.ended")
    assert ended["full_term"] is True
    assert ended["reason"] == "completed"


async def test_a_post_change_transfer_and_exit_end_the_terms(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    await reg.add_community(SH_2)
    w = await reg.add_worker(position="committee_member", position_since="2021-06-01")
    r = await reg.client.patch(
        f"{W}/{w['id']}",
        json={"position": "deputy_secretary", "position_since": "2022-03-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    r = await reg.client.post(
        f"{W}/{w['id']}/transfer",
        json={"to_community_code": SH_2, "effective_date": "2023-01-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    r = await reg.client.post(
        f"{W}/{w['id']}/exit",
        json={"reason": "resignation", "exit_date": "2024-01-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    history = (await reg.client.get(f"{W}/{w['id']}/terms", headers=reg.auth())).json()
    assert [
        (t["position"], t["community_code"], t["term_start"], t["ended_on"], t["end_reason"])
        for t in history
    ] == [
        ("committee_member", SH_1, "2021-06-01", "2022-03-01", "post_changed"),
        ("deputy_secretary", SH_1, "2022-03-01", "2023-01-01", "transferred"),
        ("deputy_secretary", SH_2, "2023-01-01", "2024-01-01", "exited"),
    ]
    ended = await _events(reg, "registry.term.ended")
    assert [e["full_term"] for e in ended] == [False, False, False]


async def test_terms_are_scoped_through_the_worker(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    w = await reg.add_worker(position="committee_member")
    other = reg.auth(region="44")
    r = await reg.client.get(f"{W}/{w['id']}/terms", headers=other)
    assert_problem(r, 404, "not-found")
    r = await reg.client.post(
        f"{W}/{w['id']}/terms",
        json={"position": "committee_member", "term_start": "2024-01-01"},
        headers=other,
    )
    assert_problem(r, 404, "not-found")


# --- communities: withdrawn and reused codes ------------------------------------------------


async def test_a_withdrawn_code_takes_no_workers_and_may_be_reused(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1, valid_from="2000-01-01")
    await reg.add_community(SH_2)
    w = await reg.add_worker(SH_1)
    before = await reg.counts()
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "2024-06-30"}, headers=reg.auth()
    )
    assert_problem(r, 409, "community-has-workers")
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "1999-12-31"}, headers=reg.auth()
    )
    assert r.status_code in (409, 422)
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "2999-01-01"}, headers=reg.auth()
    )
    assert_problem(r, 422, "date-in-future")
    assert await reg.counts() == before
    r = await reg.client.post(
        f"{W}/{w['id']}/transfer",
        json={"to_community_code": SH_2, "effective_date": "2024-06-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "1999-12-31"}, headers=reg.auth()
    )
    assert_problem(r, 422, "validity-overlap")
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "2024-06-30"}, headers=reg.auth()
    )
    assert r.status_code == 200, r.text
    assert r.json()["valid_to"] == "2024-06-30"
    again = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "2024-06-30"}, headers=reg.auth()
    )
    assert_problem(again, 422, "community-withdrawn")

    before = await reg.counts()
    r = await reg.client.post(W, json=reg.worker_body(SH_1), headers=reg.auth())
    assert_problem(r, 422, "community-withdrawn")
    r = await reg.client.post(
        f"{W}/{w['id']}/transfer",
        json={"to_community_code": SH_1, "effective_date": "2024-08-01"},
        headers=reg.auth(),
    )
    assert_problem(r, 422, "community-withdrawn")
    new = {"code": SH_1, "name": "新设社区", "population": 5000, "households": 2000}
    r = await reg.client.post(C, json=new, headers=reg.auth())
    assert_problem(r, 422, "validity-overlap")
    r = await reg.client.post(C, json=new | {"valid_from": "2024-06-30"}, headers=reg.auth())
    assert_problem(r, 422, "validity-overlap")
    assert await reg.counts() == before

    r = await reg.client.post(C, json=new | {"valid_from": "2024-07-01"}, headers=reg.auth())
    assert r.status_code == 201, r.text
    assert (r.json()["name"], r.json()["valid_from"], r.json()["valid_to"]) == (
        "新设社区",
        "2024-07-01",
        None,
    )
    r = await reg.client.post(C, json=new | {"valid_from": "2024-08-01"}, headers=reg.auth())
    assert_problem(r, 409, "community-exists")
    held = (await reg.client.get(f"{C}/{SH_1}/vintages", headers=reg.auth())).json()
    assert [(v["name"], v["valid_from"], v["valid_to"]) for v in held] == [
        ("社区001", "2000-01-01", "2024-06-30"),
        ("新设社区", "2024-07-01", None),
    ]
    listed = await reg.client.get(C, params={"in_use_on": "2024-07-15"}, headers=reg.auth())
    assert {c["code"] for c in listed.json()["items"]} == {SH_1, SH_2}
    listed = await reg.client.get(C, params={"in_use_on": "1999-01-01"}, headers=reg.auth())
    assert {c["code"] for c in listed.json()["items"]} == {SH_2}
    assert (await reg.add_worker(SH_1))["community_code"] == SH_1
    upserts = await _events(reg, "registry.community")
    assert [(e["valid_from"], e["valid_to"]) for e in upserts if e["code"] == SH_1][-2:] == [
        ("2000-01-01", "2024-06-30"),
        ("2024-07-01", None),
    ]


async def test_vintages_and_withdrawal_are_scoped(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    other = reg.auth(region="44")
    assert_problem(await reg.client.get(f"{C}/{SH_1}/vintages", headers=other), 404, "not-found")
    r = await reg.client.post(
        f"{C}/{SH_1}/withdraw", json={"valid_to": "2024-01-01"}, headers=other
    )
    assert_problem(r, 404, "not-found")
