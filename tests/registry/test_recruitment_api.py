"""Recruitment through the real app: a round from announcement to hiring (the worker is
registered by the same path and event as a direct registration, and the contract is
signed), invalid transitions, bad input with nothing written, personal data and scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
import pytest

from cwp_common.clock import today_in_china
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, id_number
from tests.support.dates import FUTURE

API = "/api/v1/registry/recruitment"
TODAY = today_in_china()
BORN = date(TODAY.year - 30, 1, 1)
TABLES = (
    "recruitment_rounds",
    "recruitment_posts",
    "recruitment_applications",
    "recruitment_steps",
)


@pytest.fixture
async def reg(registry: Registry) -> Registry:
    for code in (SH_1, GD_1):
        await registry.add_community(code)
    return registry


def round_body(**fields: Any) -> dict[str, Any]:
    return {
        "jurisdiction": "310101",
        "year": TODAY.year,
        "title": "黄浦区社区工作者公开招聘",
        "conditions": {
            "age_min": 18,
            "age_max": 35,
            "education_min": "junior_college",
            "residence_prefixes": ["31"],
        },
        "written_weight_pct": 50,
        "publicity_working_days": 5,
        "apply_from": (TODAY - timedelta(days=5)).isoformat(),
        "apply_until": (TODAY + timedelta(days=5)).isoformat(),
        "posts": [{"community_code": SH_1, "position": "full_time_worker", "quota": 1}],
    } | fields


async def open_round(reg: Registry, **fields: Any) -> dict[str, Any]:
    r = await reg.client.post(f"{API}/rounds", json=round_body(**fields), headers=reg.auth())
    assert r.status_code == 201, r.text
    r = await reg.client.post(f"{API}/rounds/{r.json()['id']}/announce", headers=reg.auth())
    assert r.status_code == 200, r.text
    return dict(r.json())


def applicant(post_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "name": "李四",
        "id_number": id_number(area="310101", birth=BORN),
        "phone": "13912345678",
        "education": "bachelor",
        "political_status": "cpc_member",
        "residence_code": "310101002",
    } | fields


async def apply(reg: Registry, rnd: dict[str, Any], **fields: Any) -> Any:
    body = applicant(rnd["posts"][0]["id"], **fields)
    return await reg.client.post(
        f"{API}/rounds/{rnd['id']}/applications", json=body, headers=reg.auth("operator", "pii")
    )


async def step(reg: Registry, app_id: str, **body: Any) -> Any:
    return await reg.client.post(
        f"{API}/applications/{app_id}/steps", json=body, headers=reg.auth()
    )


async def counts(reg: Registry) -> dict[str, int]:
    return {t: len(await reg.rows(f"SELECT id FROM {t}")) for t in TABLES}


async def through_health_check(reg: Registry, rnd: dict[str, Any], **fields: Any) -> str:
    a = (await apply(reg, rnd, **fields)).json()
    assert a["state"] == "qualified", a
    body: dict[str, Any]
    for body in (
        {"step": "written_exam", "score": "86.5"},
        {"step": "interview", "score": "90"},
    ):
        assert (await step(reg, a["id"], **body)).status_code == 200
    r = await reg.client.post(f"{API}/rounds/{rnd['id']}/ranking", headers=reg.auth())
    assert r.status_code == 200, r.text
    for body in (
        {"step": "political_review", "passed": True, "note": "考察合格"},
        {"step": "health_check", "passed": True},
    ):
        r = await step(reg, a["id"], **body)
        assert r.status_code == 200, r.text
    return str(a["id"])


async def test_a_round_from_announcement_to_hiring(reg: Registry) -> None:
    rnd = await open_round(reg)
    app_id = await through_health_check(reg, rnd)
    shown = (await reg.client.get(f"{API}/applications/{app_id}", headers=reg.auth())).json()
    assert shown["state"] == "health_cleared"
    assert (shown["written_score"], shown["interview_score"], shown["total_score"]) == (
        "86.50",
        "90.00",
        "88.25",
    )
    assert shown["rank"] == 1
    assert [s["step"] for s in shown["steps"]] == [
        "qualification_review",
        "written_exam",
        "interview",
        "ranking",
        "political_review",
        "health_check",
    ]
    assert shown["steps"][0]["decided_by"] == "platform:auto-review"
    assert shown["steps"][4]["decided_by"] == "tester"
    # Publicity: five working days from a start in the past, so it is already over.
    start = TODAY - timedelta(days=20)
    r = await step(reg, app_id, step="publicity", start_date=start.isoformat())
    assert r.status_code == 200, r.text
    assert r.json()["publicity_end"] < TODAY.isoformat()
    r = await step(reg, app_id, step="objection", note="群众反映：学历存疑")
    assert r.json()["open_objections"] == 1
    assert_problem(await step(reg, app_id, step="publicity_end"), 409, "objection-open")
    r = await step(reg, app_id, step="objection_resolution", upheld=False, note="经核实学历属实")
    assert (r.json()["state"], r.json()["open_objections"]) == ("in_publicity", 0)
    r = await step(reg, app_id, step="publicity_end")
    assert r.json()["state"] == "publicized", r.text

    hire_body = {
        "hire_date": TODAY.isoformat(),
        "contract": {
            "kind": "fixed_term",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=3 * 365)).isoformat(),
            "probation_months": 6,
            "employer_name": "南京东路街道办事处",
        },
    }
    r = await reg.client.post(
        f"{API}/applications/{app_id}/hire", json=hire_body, headers=reg.auth()
    )
    assert r.status_code == 200, r.text
    hired = r.json()
    assert hired["state"] == "hired"
    worker = await reg.client.get(
        f"/api/v1/registry/workers/{hired['worker_id']}", headers=reg.auth("operator", "pii")
    )
    assert worker.json()["name"] == "李四"
    assert worker.json()["community_code"] == SH_1
    assert worker.json()["political_status"] == "cpc_member"
    contract = await reg.client.get(
        f"/api/v1/registry/contracts/{hired['contract_id']}", headers=reg.auth()
    )
    assert contract.json()["worker_id"] == hired["worker_id"]
    assert contract.json()["probation_months"] == 6
    # The same event as a direct registration.
    rows = await reg.rows("SELECT body FROM outbox WHERE type = 'registry.worker.registered.v1'")
    assert [orjson.loads(b.body)["data"]["worker_id"] for b in rows] == [hired["worker_id"]]
    # Nothing more can happen to a hired application.
    assert_problem(await step(reg, app_id, step="withdrawal"), 409, "invalid-transition")


async def test_invalid_transitions_are_refused_and_change_nothing(reg: Registry) -> None:
    rnd = await open_round(reg)
    a = (await apply(reg, rnd)).json()
    before = await counts(reg)
    for body in (
        {"step": "interview", "score": "80"},
        {"step": "political_review", "passed": True},
        {"step": "publicity", "start_date": TODAY.isoformat()},
        {"step": "publicity_end"},
        {"step": "objection", "note": "异议"},
        {"step": "qualification_review"},
    ):
        body_ = assert_problem(await step(reg, a["id"], **body), 409, "invalid-transition")
        assert body_["errors"][0]["code"] == "qualified"
    r = await reg.client.post(
        f"{API}/applications/{a['id']}/hire",
        json={"hire_date": TODAY.isoformat()},
        headers=reg.auth(),
    )
    assert_problem(r, 409, "invalid-transition")
    assert await counts(reg) == before
    shown = (await reg.client.get(f"{API}/applications/{a['id']}", headers=reg.auth())).json()
    assert shown["state"] == "qualified"


async def test_ranking_waits_for_every_score_and_fills_the_quota(reg: Registry) -> None:
    rnd = await open_round(reg)
    first = (await apply(reg, rnd)).json()
    second = (await apply(reg, rnd, name="王五", id_number=id_number(birth=BORN))).json()
    await step(reg, first["id"], step="written_exam", score="80")
    await step(reg, first["id"], step="interview", score="80")
    url = f"{API}/rounds/{rnd['id']}/ranking"
    assert_problem(await reg.client.post(url, headers=reg.auth()), 409, "scores-incomplete")
    await step(reg, second["id"], step="written_exam", score="90")
    await step(reg, second["id"], step="interview", score="85")
    r = await reg.client.post(url, headers=reg.auth())
    assert r.json() | {"round_id": None} == {"round_id": None, "ranked": 2, "shortlisted": 1}
    states = {
        x["id"]: (x["state"], x["rank"])
        for x in (
            await reg.client.get(f"{API}/rounds/{rnd['id']}/applications", headers=reg.auth())
        ).json()["items"]
    }
    assert states == {second["id"]: ("shortlisted", 1), first["id"]: ("not_shortlisted", 2)}
    assert_problem(await reg.client.post(url, headers=reg.auth()), 409, "nothing-to-rank")
    # 递补: a place falls free when the shortlisted applicant withdraws.
    post_url = f"{API}/posts/{rnd['posts'][0]['id']}/replacement"
    assert_problem(await reg.client.post(post_url, headers=reg.auth()), 409, "no-free-place")
    assert_problem(await reg.client.post(post_url, headers=reg.auth(region="44")), 404, "not-found")
    await step(reg, second["id"], step="withdrawal", note="本人放弃")
    r = await reg.client.post(post_url, headers=reg.auth())
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["state"]) == (first["id"], "shortlisted")
    assert_problem(await reg.client.post(post_url, headers=reg.auth()), 409, "no-free-place")
    await step(reg, first["id"], step="political_review", passed=False, note="考察不合格")
    assert_problem(await reg.client.post(post_url, headers=reg.auth()), 409, "no-replacement")


async def test_the_review_is_automatic_where_the_data_decides(reg: Registry) -> None:
    rnd = await open_round(reg)
    too_old = (await apply(reg, rnd, id_number=id_number(birth=date(TODAY.year - 50, 1, 1)))).json()
    assert too_old["state"] == "disqualified"
    assert {"condition": "age", "met": False} in too_old["checks"]
    unknown = (await apply(reg, rnd, id_number=id_number(birth=BORN), residence_code=None)).json()
    assert unknown["state"] == "applied"
    # A person decides; they cannot qualify someone who fails a condition, and a
    # disqualification the data did not decide needs its reason.
    assert_problem(
        await step(reg, unknown["id"], step="qualification_review"), 422, "decision-required"
    )
    assert_problem(
        await step(reg, unknown["id"], step="qualification_review", decision="disqualified"),
        422,
        "note-required",
    )
    r = await step(
        reg, unknown["id"], step="qualification_review", decision="qualified", note="户籍证明已核"
    )
    assert r.json()["state"] == "qualified"
    low = (
        await apply(
            reg,
            rnd,
            id_number=id_number(birth=BORN),
            residence_code=None,
            education="below_junior_college",
        )
    ).json()
    assert low["state"] == "disqualified"


async def test_personal_data_is_masked_like_workers(reg: Registry) -> None:
    rnd = await open_round(reg)
    number = id_number(area="310101", birth=BORN)
    created = (await apply(reg, rnd, id_number=number)).json()
    assert created["id_number"] == number  # the pii caller sees it
    plain = await reg.client.get(f"{API}/applications/{created['id']}", headers=reg.auth("viewer"))
    body = plain.json()
    assert body["id_number"] == number[:6] + "********" + number[-4:]
    assert body["birth_date"] is None
    assert body["phone"] == "139****5678"
    assert {"condition": "age", "met": None} in body["checks"]  # narrows the birth date
    stored = await reg.rows("SELECT id_number_cipher, id_number_hash FROM recruitment_applications")
    assert number not in str(stored)
    listed = await reg.client.get(
        f"{API}/rounds/{rnd['id']}/applications", headers=reg.auth("viewer")
    )
    assert number not in listed.text


@pytest.mark.parametrize(
    ("fields", "status", "slug"),
    [
        ({"apply_until": (TODAY - timedelta(days=10)).isoformat()}, 422, "invalid-window"),
        ({"conditions": {"age_min": 40, "age_max": 30}}, 422, "validation-error"),
        ({"conditions": {"age_min": 15}}, 422, "validation-error"),
        ({"written_weight_pct": 101}, 422, "validation-error"),
        ({"posts": []}, 422, "validation-error"),
        (
            {"posts": [{"community_code": GD_1, "position": "full_time_worker", "quota": 1}]},
            422,
            "post-outside-jurisdiction",
        ),
        (
            {
                "posts": [
                    {"community_code": "310101002099", "position": "full_time_worker", "quota": 1}
                ]
            },
            422,
            "post-outside-jurisdiction",
        ),
        (
            {"posts": [{"community_code": SH_1, "position": "full_time_worker", "quota": 0}]},
            422,
            "validation-error",
        ),
        ({"jurisdiction": "44"}, 403, "out-of-scope"),
        ({"apply_from": "2026-02-30"}, 422, "validation-error"),
    ],
)
async def test_bad_rounds_write_nothing(
    reg: Registry, fields: dict[str, Any], status: int, slug: str
) -> None:
    r = await reg.client.post(
        f"{API}/rounds", json=round_body(**fields), headers=reg.auth(region="31")
    )
    assert_problem(r, status, slug)
    assert await counts(reg) == dict.fromkeys(TABLES, 0)


async def test_bad_applications_write_nothing(reg: Registry) -> None:
    rnd = await open_round(reg)
    draft = (await reg.client.post(f"{API}/rounds", json=round_body(), headers=reg.auth())).json()
    closed = await open_round(reg, apply_until=(TODAY - timedelta(days=1)).isoformat())
    before = await counts(reg)
    post = rnd["posts"][0]["id"]
    cases = [
        (rnd["id"], applicant(post, id_number="110101199003074478"), 422, "invalid-id-number"),
        (rnd["id"], applicant(post, phone="12345"), 422, "validation-error"),
        (rnd["id"], applicant(closed["posts"][0]["id"]), 422, "unknown-post"),
        (rnd["id"], applicant(post, channel="fax"), 422, "validation-error"),
        (draft["id"], applicant(draft["posts"][0]["id"]), 409, "application-window-closed"),
        (closed["id"], applicant(closed["posts"][0]["id"]), 409, "application-window-closed"),
    ]
    for round_id, body, status, slug in cases:
        r = await reg.client.post(
            f"{API}/rounds/{round_id}/applications", json=body, headers=reg.auth()
        )
        body_ = assert_problem(r, status, slug)
        assert body["id_number"] not in str(body_)
    assert await counts(reg) == before
    person = applicant(post)
    url = f"{API}/rounds/{rnd['id']}/applications"
    assert (await reg.client.post(url, json=person, headers=reg.auth())).status_code == 201
    assert_problem(
        await reg.client.post(url, json=person, headers=reg.auth()), 409, "already-applied"
    )


async def test_hiring_refusals_leave_no_worker(reg: Registry) -> None:
    rnd = await open_round(reg)
    app_id = await through_health_check(reg, rnd)
    await step(reg, app_id, step="publicity", start_date=(TODAY - timedelta(days=20)).isoformat())
    await step(reg, app_id, step="publicity_end")
    url = f"{API}/applications/{app_id}/hire"
    no_contract = {"hire_date": TODAY.isoformat()}
    assert_problem(
        await reg.client.post(url, json=no_contract, headers=reg.auth()), 422, "contract-required"
    )
    bad_contract = no_contract | {
        "contract": {
            "kind": "fixed_term",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=300)).isoformat(),
            "probation_months": 3,  # under a year: one month at most
            "employer_name": "南京东路街道办事处",
        }
    }
    assert_problem(
        await reg.client.post(url, json=bad_contract, headers=reg.auth()), 422, "probation-too-long"
    )
    future = {
        "hire_date": FUTURE.isoformat(),
        "employment_type": "civil_servant",
    }
    assert_problem(
        await reg.client.post(url, json=future, headers=reg.auth()), 422, "date-in-future"
    )
    assert await reg.rows("SELECT id FROM workers") == []
    assert await reg.rows("SELECT id FROM labour_contracts") == []
    shown = (await reg.client.get(f"{API}/applications/{app_id}", headers=reg.auth())).json()
    assert shown["state"] == "publicized"
    # A civil servant is hired without a labour contract.
    ok = {"hire_date": TODAY.isoformat(), "employment_type": "civil_servant"}
    r = await reg.client.post(url, json=ok, headers=reg.auth())
    assert r.status_code == 200, r.text
    assert r.json()["contract_id"] is None


async def test_publicity_cannot_end_early_and_an_upheld_objection_rejects(reg: Registry) -> None:
    rnd = await open_round(reg)
    app_id = await through_health_check(reg, rnd)
    r = await step(reg, app_id, step="publicity", start_date=TODAY.isoformat())
    assert r.json()["publicity_end"] >= TODAY.isoformat()
    assert_problem(await step(reg, app_id, step="publicity_end"), 409, "publicity-not-over")
    assert_problem(
        await step(reg, app_id, step="objection_resolution", upheld=True, note="x"),
        409,
        "no-open-objection",
    )
    assert_problem(await step(reg, app_id, step="objection", note=""), 422, "validation-error")
    await step(reg, app_id, step="objection", note="反映有违纪记录")
    r = await step(reg, app_id, step="objection_resolution", upheld=True, note="经查属实")
    assert r.json()["state"] == "rejected"


async def test_scope_of_rounds_and_applications(reg: Registry) -> None:
    rnd = await open_round(reg)
    a = (await apply(reg, rnd)).json()
    guangdong = reg.auth(region="44")
    for url in (
        f"{API}/rounds/{rnd['id']}",
        f"{API}/applications/{a['id']}",
        f"{API}/rounds/{rnd['id']}/applications",
    ):
        assert_problem(await reg.client.get(url, headers=guangdong), 404, "not-found")
    listed = await reg.client.get(f"{API}/rounds", headers=guangdong)
    assert listed.json()["items"] == []
    assert_problem(
        await reg.client.post(
            f"{API}/applications/{a['id']}/steps", json={"step": "withdrawal"}, headers=guangdong
        ),
        404,
        "not-found",
    )
    assert_problem(
        await reg.client.post(
            f"{API}/rounds/{rnd['id']}/applications",
            json=applicant(rnd["posts"][0]["id"]),
            headers=guangdong,
        ),
        404,
        "not-found",
    )
    shanghai = await reg.client.get(
        f"{API}/rounds", params={"year": TODAY.year}, headers=reg.auth(region="3101")
    )
    assert [x["id"] for x in shanghai.json()["items"]] == [rnd["id"]]
    withdrawn = await step(reg, a["id"], step="withdrawal", note="本人放弃")
    assert withdrawn.json()["state"] == "withdrawn"


async def test_an_applicant_applies_and_follows_their_application_without_a_token(
    reg: Registry,
) -> None:
    """The mobile app's own path: no account, no token; the same rules as staff entry,
    a receipt without the personal data sent, and a status only with the ID number."""
    rnd = await open_round(reg)
    draft = await reg.client.post(f"{API}/rounds", json=round_body(), headers=reg.auth())
    shown = await reg.client.get(f"{API}/public/rounds/{rnd['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["posts"] == rnd["posts"]
    assert "created_by" not in shown.json()
    for hidden in (draft.json()["id"], "00000000-0000-0000-0000-000000000000"):
        assert_problem(await reg.client.get(f"{API}/public/rounds/{hidden}"), 404, "not-found")

    before = await counts(reg)
    number = id_number(area="310101", birth=BORN)
    url = f"{API}/public/rounds/{rnd['id']}/applications"
    body = applicant(rnd["posts"][0]["id"], id_number=number)
    for bad in (
        body | {"id_number": number[:-1] + ("0" if number[-1] != "0" else "1")},
        body | {"channel": "staff"},
        body | {"post_id": draft.json()["posts"][0]["id"]},
        {k: v for k, v in body.items() if k != "name"},
    ):
        r = await reg.client.post(url, json=bad)
        assert 400 <= r.status_code < 500, r.text
        assert number not in r.text
    assert_problem(
        await reg.client.post(f"{API}/public/rounds/{draft.json()['id']}/applications", json=body),
        409,
        "application-window-closed",
    )
    assert await counts(reg) == before

    r = await reg.client.post(url, json=body)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["state"] == "qualified"
    assert {"condition": "age", "met": True} in receipt["checks"]
    for sent in (number, "李四", "13912345678", BORN.isoformat()):
        assert sent not in r.text
    assert_problem(await reg.client.post(url, json=body), 409, "already-applied")

    status = f"{API}/public/applications/{receipt['id']}/status"
    r = await reg.client.post(status, json={"id_number": number})
    assert r.status_code == 200, r.text
    assert r.json() == receipt
    other = id_number(area="310101", birth=BORN)
    assert_problem(await reg.client.post(status, json={"id_number": other}), 404, "not-found")
    unknown = f"{API}/public/applications/00000000-0000-0000-0000-000000000000/status"
    assert_problem(await reg.client.post(unknown, json={"id_number": number}), 404, "not-found")
    assert_problem(
        await reg.client.post(status, json={"id_number": "123"}), 422, "invalid-id-number"
    )

    # Staff see it like any other application, made by the applicant on the mobile app.
    r = await reg.client.get(
        f"{API}/applications/{receipt['id']}", headers=reg.auth("viewer", "pii")
    )
    assert r.status_code == 200, r.text
    seen = r.json()
    assert (seen["channel"], seen["created_by"], seen["id_number"]) == (
        "mobile",
        "applicant:self",
        number,
    )
    # No token still reaches nothing else of recruitment.
    for path in (
        f"{API}/rounds",
        f"{API}/rounds/{rnd['id']}",
        f"{API}/applications/{receipt['id']}",
    ):
        assert (await reg.client.get(path)).status_code == 401
