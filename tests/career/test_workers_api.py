"""The worker projection from registry and training events, and the grades it derives:
registration, position changes, transfers within and across provinces, qualifications and
skill levels (backdated), exits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.clock import today_in_china as today
from cwp_common.events.contracts import GradeAssigned, GradeChanged
from tests.career.helpers import (
    API,
    GD_SZ,
    HISTORY,
    SH,
    count,
    exit_worker,
    ladder,
    outbox,
    publish,
    qualify,
    register,
    skill,
    transfer,
    update,
    worker,
    years_ago,
)


async def test_registration_assigns_the_first_grade(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    start = years_ago(10, 10)
    wid = await register(
        app, position="party_secretary", education="bachelor", service_start_date=start
    )
    w = await worker(client, admin, wid)
    # 10 full years = 3 steps; 正职 7 + 3 + 本科 1.
    assert (w["category"], w["category_name"], w["grade"]) == ("principal", "正职", 11)
    assert w["pay_coefficient"] == "1.6000"
    assert w["next_step_date"] == (start.replace(year=start.year + 12)).isoformat()
    assert w["grade_effective_date"] == today().isoformat()
    assert w["position_since"] == start.isoformat()  # the hire date, from registration
    [row] = w["history"]
    assert (row["from_grade"], row["to_grade"], row["reason"]) == (None, 11, "registered")
    assert row["inputs"]["counted_years"] == 10
    assert row["inputs"]["education_bonus"] == 1
    [event] = await outbox(app)
    assert event.type == GradeAssigned.type
    assigned = GradeAssigned.model_validate(event.data)
    assert (assigned.grade, str(assigned.pay_coefficient)) == (11, "1.6000")
    assert assigned.effective_date == today()
    assert event.id == row["id"]  # the event announces exactly this history row


async def test_a_redelivered_registration_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wid = await register(app)
    await register(app, worker_id=wid)
    assert len((await worker(client, admin, wid))["history"]) == 1
    assert await count(app, HISTORY) == 1


async def test_position_change_moves_the_category(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wid = await register(app, position="committee_member")
    await update(app, wid, ["position"], position="deputy_director")
    w = await worker(client, admin, wid)
    assert (w["category"], w["grade"]) == ("deputy", 4 + 2)
    assert w["position_since"] == today().isoformat()
    last = w["history"][-1]
    assert (last["from_category"], last["to_category"], last["reason"]) == (
        "other",
        "deputy",
        "position_changed",
    )
    changed = GradeChanged.model_validate((await outbox(app))[-1].data)
    assert (changed.previous_category, changed.category) == ("other", "deputy")


async def test_an_update_that_does_not_touch_grading_writes_no_history(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wid = await register(app)
    await update(app, wid, ["name"], name="王芳芳")
    w = await worker(client, admin, wid)
    assert w["name"] == "王芳芳"
    assert len(w["history"]) == 1


async def member_moves(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    *,
    to: str,
    ladder_of: str,
    days_ago: int,
    carried: bool,
) -> tuple[dict[str, Any], date]:
    """A 委员 with 7 years' service moves to community `to`, where a 四岗二十四级 ladder
    published for `ladder_of` applies; the registry says whether the years are carried."""
    start = years_ago(7, 30)
    wid = await register(
        app, at=years_ago(0, 60), position="committee_member", service_start_date=start
    )
    await publish(
        client,
        admin,
        ladder("four-posts-24-grades", jurisdiction=ladder_of, effective_date="2024-01-01"),
    )
    moved_on = today() - timedelta(days=days_ago)
    await transfer(
        app,
        wid,
        moved_on,
        carried,
        community_code=to,
        position="committee_member",
        service_start_date=start,
    )
    return await worker(client, admin, wid), moved_on


async def test_transfer_within_the_province_keeps_the_years(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    w, moved_on = await member_moves(
        app, client, admin, to=GD_SZ, ladder_of="4403", days_ago=3, carried=True
    )
    # 深圳's own ladder now applies, and the 7 years carried over: 委员 5 + 3 steps.
    assert (w["community_code"], w["category"], w["grade"]) == (GD_SZ, "member", 8)
    assert w["community_since"] == moved_on.isoformat()
    last = w["history"][-1]
    assert (last["reason"], last["effective_date"]) == ("transferred", moved_on.isoformat())
    assert last["inputs"]["counted_years"] == 7


async def test_transfer_to_another_province_follows_the_receiving_ladder(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # 上海's ladder keeps the template's rule for movers from another province: reset.
    # The registry keeps the service start date; the receiving ladder decides.
    w, moved_on = await member_moves(
        app, client, admin, to=SH, ladder_of="31", days_ago=1, carried=False
    )
    start = years_ago(7, 30)
    assert (w["community_code"], w["category"], w["grade"]) == (SH, "member", 5)
    assert (w["service_start_date"], w["counted_from"]) == (start.isoformat(), moved_on.isoformat())
    assert w["history"][-1]["inputs"]["service_years"] == 0
    assert w["history"][-1]["ladder_id"] != w["history"][0]["ladder_id"]


async def test_a_backdated_qualification_is_dated_from_its_certificate(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wid = await register(app, at=years_ago(1), service_start_date=years_ago(4, 200))
    obtained = years_ago(0, 100)
    await qualify(app, wid, "intermediate", obtained)
    w = await worker(client, admin, wid)
    assert w["qualification"] == "intermediate"
    last = w["history"][-1]
    assert (last["reason"], last["effective_date"]) == ("qualification", obtained.isoformat())
    assert (last["from_grade"], last["to_grade"]) == (2, 4)  # +2 for 社会工作师
    # A lower level later does not lower the bonus: only the highest held counts.
    await qualify(app, wid, "assistant", years_ago(0, 10))
    w = await worker(client, admin, wid)
    assert (w["qualification"], w["grade"]) == ("intermediate", 4)
    assert len(w["history"]) == 2


async def test_a_qualification_before_the_registration_is_kept(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # Training's event may arrive before the registry's (different streams).
    wid = "0190f5c2-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
    await qualify(app, wid, "senior", years_ago(1))
    await register(app, worker_id=wid, service_start_date=years_ago(1))
    w = await worker(client, admin, wid)
    assert (w["qualification"], w["grade"]) == ("senior", 1 + 3)


async def test_skill_levels_come_from_training(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Training owns skill levels: career re-grades from training.skill_level.obtained.v1
    and has no endpoint of its own to enter one."""
    wid = await register(app, service_start_date=years_ago(1))
    await skill(app, wid, "level_2", years_ago(0, 5))
    w = await worker(client, admin, wid)
    assert (w["skill_level"], w["grade"]) == ("level_2", 1 + 2)
    assert w["history"][-1]["reason"] == "skill_level"
    await skill(app, wid, "level_2", years_ago(0, 3))  # the same level again: no change
    assert len((await worker(client, admin, wid))["history"]) == 2
    r = await client.post(
        f"{API}/workers/{wid}/skill-levels",
        headers=admin,
        json={"level": "level_1", "obtained_date": "2020-01-01"},
    )
    assert r.status_code in (404, 405)
    assert (await worker(client, admin, wid))["grade"] == 3


async def test_exited_workers_are_kept_and_not_regraded(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], operator: dict[str, str]
) -> None:
    wid = await register(app, position="committee_member")
    await exit_worker(app, wid)
    w = await worker(client, admin, wid)
    assert (w["status"], w["grade"], len(w["history"])) == ("exited", 3, 1)
    await qualify(app, wid, "senior", years_ago(0, 1))
    await publish(
        client,
        admin,
        ladder("four-posts-24-grades", jurisdiction="44", effective_date="2024-01-01"),
    )
    await skill(app, wid, "level_1", date(2024, 1, 1))
    w = await worker(client, admin, wid)
    assert (w["grade"], len(w["history"])) == (3, 1)


async def test_list_filters_and_pagination(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    members = [await register(app, position="committee_member") for _ in range(3)]
    secretary = await register(app, position="party_secretary")
    await register(app, position="committee_member", community_code=SH)
    r = await client.get(f"{API}/workers", headers=admin, params={"region": "44", "grade": 3})
    assert sorted(x["worker_id"] for x in r.json()["items"]) == sorted(members)
    r = await client.get(f"{API}/workers", headers=admin, params={"category": "principal"})
    assert [x["worker_id"] for x in r.json()["items"]] == [secretary]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{API}/workers", headers=admin, params=params)).json()
        seen += [x["worker_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
    for bad in ({"grade": 0}, {"region": "4a"}, {"limit": 501}, {"status": "retired"}):
        r = await client.get(f"{API}/workers", headers=admin, params=bad)
        assert r.status_code == 422, bad


async def test_unknown_worker(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.get(f"{API}/workers/0190f5c2-1c2d-7e3f-8a4b-5c6d7e8f9a0b", headers=admin)
    assert r.status_code == 404
    assert r.json()["type"] == "urn:cwp:problem:not-found"
    # A path that is not a worker id names no worker: 404, as for an unknown id.
    assert (await client.get(f"{API}/workers/42", headers=admin)).status_code == 404
