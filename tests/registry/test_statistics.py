"""Workforce statistics (issue 11 §5): every figure against a direct count of the
workers and communities, in every kind of region, today and as the data stood on an
earlier day."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from cwp_common.clock import today_in_china
from cwp_common.db import transaction
from cwp_common.events.consumer import PermanentError
from cwp_common.events.contracts import GradeAssigned, GradeChanged, QualificationObtained
from cwp_common.events.envelope import CloudEvent
from cwp_registry.statistics import rules
from cwp_registry.statistics.handlers import on_grade, on_grades, on_qualification
from cwp_registry.statistics.jobs import fold_closed_months
from cwp_registry.statistics.rebuild import rebuild
from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import GD_1, SH_1, SH_2

S = "/api/v1/registry/statistics"
W = "/api/v1/registry/workers"
SH_3 = "310101002002"  # same street as SH_1
DAY_1 = date(2025, 1, 10)
DAY_2 = date(2025, 2, 20)
DISTRIBUTIONS = {
    "by_position": "position",
    "by_employment_type": "employment_type",
    "by_status": "status",
    "by_sex": "sex",
    "by_education": "education",
    "by_political_status": "political_status",
}


def on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """The registry's business day (its use cases and the report read it)."""
    for module in (
        "cwp_registry.workers.service",
        "cwp_registry.communities.service",
        "cwp_registry.statistics.service",
        "cwp_registry.statistics.handlers",
    ):
        monkeypatch.setattr(f"{module}.today_in_china", lambda: day)


async def direct(reg: Registry, region: str, as_of: date) -> dict[str, Any]:
    """The same figures counted straight from the tables."""
    hi = region.ljust(12, "9")
    lo = region.ljust(12, "0")
    workers = await reg.rows(
        "SELECT w.*, g.grade AS grade, q.level AS qualification FROM workers w "
        "LEFT JOIN worker_grades g ON g.worker_id = w.id "
        "LEFT JOIN worker_qualifications q ON q.worker_id = w.id "
        "WHERE w.status != 'exited' AND w.community_code BETWEEN :lo AND :hi",
        lo=lo,
        hi=hi,
    )
    communities = await reg.rows(
        "SELECT population, households FROM communities "
        "WHERE valid_to IS NULL AND code BETWEEN :lo AND :hi",
        lo=lo,
        hi=hi,
    )
    out: dict[str, Any] = {
        "headcount": len(workers),
        "communities": len(communities),
        "residents": sum(c.population for c in communities),
        "households": sum(c.households for c in communities),
        "by_qualification": dict(Counter(w.qualification or "none" for w in workers)),
        "by_grade": dict(Counter(w.grade or "ungraded" for w in workers)),
    }
    for field, column in DISTRIBUTIONS.items():
        out[field] = dict(Counter(getattr(w, column) for w in workers))
    bands = Counter(
        rules.age_band(date.fromisoformat(str(w.birth_date)).year, as_of) for w in workers
    )
    out["by_age_band"] = {band: bands.get(band, 0) for band in rules.AGE_BANDS}
    return out


def figures(body: dict[str, Any]) -> dict[str, Any]:
    keys = ["headcount", "communities", "residents", "households", "by_qualification"]
    return {k: body[k] for k in [*keys, "by_grade", "by_age_band", *DISTRIBUTIONS]}


async def report(reg: Registry, region: str, **params: Any) -> dict[str, Any]:
    r = await reg.client.get(
        S, params={"region": region, **params}, headers=reg.auth("viewer", "pii")
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def deliver(reg: Registry, data: Any) -> None:
    event = CloudEvent.new(
        f"cwp.{data.type.split('.')[0]}", data.type, data.model_dump(mode="json"), None
    )
    handler = on_qualification if data.type.startswith("training.") else on_grade
    async with transaction(reg.app.state.runtime.sessions) as session:
        await handler(session, event)


def grade(worker: dict[str, Any], n: int, previous: int | None = None) -> GradeAssigned:
    fields = {
        "worker_id": worker["id"],
        "community_code": worker["community_code"],
        "jurisdiction": "",
        "ladder_id": "national",
        "category": "other",
        "grade": n,
        "pay_coefficient": Decimal("1.00"),
        "effective_date": "2025-01-01",
        "reason": "test",
    }
    if previous is None:
        return GradeAssigned(**fields)
    return GradeChanged(**fields, previous_grade=previous, previous_category="other")


REGIONS = ["", "31", "3101", "310101", "310101002", SH_1, "310", "3101010", "44", "45"]


async def test_every_figure_matches_a_direct_count_now_and_as_it_stood(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = registry
    on(monkeypatch, DAY_1)
    await reg.add_community(SH_1, population=8000, households=3000)
    await reg.add_community(SH_3, population=2000, households=900)
    await reg.add_community(SH_2, population=5000, households=1500)
    await reg.add_community(GD_1, population=12000, households=4000)
    a = await reg.add_worker(
        SH_1, position="party_secretary", education="bachelor", political_status="cpc_member"
    )
    b = await reg.add_worker(
        SH_1, position="committee_member", employment_type="elected", hire_date="2024-11-02"
    )
    c = await reg.add_worker(SH_3, education="master", status="on_leave")
    d = await reg.add_worker(SH_2, political_status="cyl_member", hire_date="2024-12-15")
    await reg.add_worker(GD_1, position="committee_director")
    await deliver(reg, grade(a, 9))
    await deliver(
        reg,
        QualificationObtained(
            worker_id=c["id"],
            community_code=SH_3,
            level="assistant",
            obtained_date=date(2024, 6, 1),
        ),
    )
    before = {region: await report(reg, region) for region in REGIONS}
    counted = {region: await direct(reg, region, DAY_1) for region in REGIONS}
    for region in REGIONS:
        assert figures(before[region]) == counted[region], region

    on(monkeypatch, DAY_2)
    await reg.client.patch(
        f"{W}/{c['id']}", json={"status": "active", "education": "doctorate"}, headers=reg.auth()
    )
    r = await reg.client.post(
        f"{W}/{b['id']}/transfer",
        json={"to_community_code": SH_2, "effective_date": "2025-02-01"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    r = await reg.client.post(
        f"{W}/{d['id']}/exit",
        json={"reason": "resignation", "exit_date": "2025-02-10"},
        headers=reg.auth(),
    )
    assert r.status_code == 200, r.text
    await deliver(reg, grade(a, 10, previous=9))
    await deliver(
        reg,
        QualificationObtained(
            worker_id=c["id"],
            community_code=SH_3,
            level="intermediate",
            obtained_date=date(2025, 2, 1),
        ),
    )
    await deliver(
        reg,
        QualificationObtained(
            worker_id=c["id"],
            community_code=SH_3,
            level="assistant",
            obtained_date=date(2025, 2, 2),
        ),
    )
    r = await reg.client.put(
        f"/api/v1/registry/communities/{GD_1}",
        json={"name": "天河", "population": 13000, "households": 4100},
        headers=reg.auth(),
    )
    assert r.status_code == 200
    for region in REGIONS:
        now = await report(reg, region)
        assert figures(now) == await direct(reg, region, DAY_2), region
        then = await report(reg, region, as_of=DAY_1.isoformat())
        assert figures(then) == counted[region], f"{region} as it stood on {DAY_1}"
        earlier = await report(reg, region, as_of="2024-12-31")
        assert earlier["headcount"] == 0, "nothing was recorded before the first day"

    # The fold removes January's day rows above the community level; every date still
    # reads what it read before, and the community level keeps no month rows.
    answers = {
        (region, as_of): await report(reg, region, **({"as_of": as_of} if as_of else {}))
        for region in REGIONS
        for as_of in (None, DAY_1.isoformat(), "2025-01-31", "2025-02-01")
    }
    assert await fold_closed_months(reg.app.state.runtime.sessions, DAY_2) > 0
    assert await fold_closed_months(reg.app.state.runtime.sessions, DAY_2) == 0
    (left,) = await reg.rows(
        "SELECT count(*) AS n FROM workforce_counts WHERE (grain = 'd' AND level < 12 "
        "AND period < 20250201) OR (grain = 'm' AND level = 12)"
    )
    assert left.n == 0
    for (region, as_of), answer in answers.items():
        folded = await report(reg, region, **({"as_of": as_of} if as_of else {}))
        assert folded == answer, (region, as_of)

    sh = await report(reg, "31", months=4)
    assert sh["trend"] == [
        {"month": "2024-11", "joiners": 1, "leavers": 0, "moved_in": 0, "moved_out": 0},
        {"month": "2024-12", "joiners": 1, "leavers": 0, "moved_in": 0, "moved_out": 0},
        {"month": "2025-01", "joiners": 0, "leavers": 0, "moved_in": 0, "moved_out": 0},
        {"month": "2025-02", "joiners": 0, "leavers": 1, "moved_in": 0, "moved_out": 0},
    ], "hire dates 2020-03-01 fall before the window; a move within Shanghai is no flow"
    street = await report(reg, "310101002", months=1)
    assert street["trend"][0]["moved_out"] == 1
    district = await report(reg, "310104", months=1)
    assert district["trend"][0]["moved_in"] == 1


async def test_ratios_targets_vacancies_and_sub_regions(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1, population=8000, households=3000)
    await reg.add_community(SH_3, population=3000, households=1000)
    await reg.add_community(GD_1, population=12000, households=4000)
    for _ in range(3):
        await reg.add_worker(SH_1)
    await reg.add_worker(GD_1)
    body = await report(reg, "310101002")
    assert body["per_10k_residents"] == str((Decimal(3 * 10000) / 11000).quantize(Decimal("0.01")))
    assert body["national_target_per_10k"] == 18
    assert body["local_target_per_10k"] is None
    assert body["households_per_worker"] == "1333.33"
    assert body["vacancies"] == -(-11000 * 18 // 10000) - 3  # 20 needed, 3 serving
    assert [
        (s["region"], s["name"], s["headcount"], s["residents"]) for s in body["sub_regions"]
    ] == [
        (SH_1, "社区001", 3, 8000),
        (SH_3, "社区002", 0, 3000),
    ]
    gz = await report(reg, "4401")
    assert gz["local_target_households_per_worker"] == 300
    # max(12000 x 18 / 10k = 21.6 -> 22, 4000 households / 300 = 13.3 -> 14) - 1 serving
    assert gz["vacancies"] == 22 - 1
    national = await report(reg, "")
    assert [(s["region"], s["name"]) for s in national["sub_regions"]] == [
        ("31", "上海市"),
        ("44", "广东省"),
    ]
    empty = await report(reg, "45")
    assert (empty["headcount"], empty["per_10k_residents"], empty["households_per_worker"]) == (
        0,
        None,
        None,
    )


async def test_scope_future_dates_and_small_regions(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    await reg.add_worker(SH_1)
    shanghai = reg.auth("viewer", region="31")
    r = await reg.client.get(S, params={"region": "44"}, headers=shanghai)
    assert_problem(r, 403, "out-of-scope")
    r = await reg.client.get(S, params={"region": ""}, headers=shanghai)
    assert_problem(r, 403, "out-of-scope")
    r = await reg.client.get(S, headers=shanghai)
    assert r.status_code == 200
    assert r.json()["region"] == "31"
    assert r.json()["headcount"] == 1
    assert r.json()["by_age_band"] == {}
    assert r.json()["age_bands_withheld"] is True
    r = await reg.client.get(S, params={"as_of": "2999-01-01"}, headers=shanghai)
    assert_problem(r, 422, "date-in-future")
    for bad in ({"region": "31x"}, {"as_of": "yesterday"}, {"months": "0"}, {"months": "121"}):
        r = await reg.client.get(S, params=bad, headers=shanghai)
        assert_problem(r, 422, "validation-error")


async def test_the_workbook_carries_the_report(registry: Registry) -> None:
    reg = registry
    await reg.add_community(SH_1)
    await reg.add_worker(SH_1, education="bachelor")
    r = await reg.client.get(f"{S}.xlsx", params={"region": "31"}, headers=reg.auth("viewer"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["概况", "结构", "月度变动", "下级区域"]
    rows = book["概况"].iter_rows(min_row=2, values_only=True)
    summary = {row[1]: (row[2] if len(row) > 2 else None) for row in rows}
    assert summary["headcount"] == "1"
    structure = {
        (row[1], row[2]): row[3] for row in book["结构"].iter_rows(min_row=2, values_only=True)
    }
    assert structure[("by_education", "bachelor")] == 1


async def test_a_rebuild_from_the_tables_writes_the_rows_the_use_cases_wrote(
    registry: Registry,
) -> None:
    """The set-based formula (rebuild, and the benchmark's fill) against the per-change
    rules every write uses: the same rows, at every level and grain."""
    reg = registry
    await reg.add_community(SH_1, population=8000, households=3000)
    await reg.add_community(SH_3, population=2000, households=900)
    await reg.add_community(GD_1, population=12000, households=4000)
    a = await reg.add_worker(SH_1, position="party_secretary", education="bachelor")
    await reg.add_worker(SH_1, position="committee_member", employment_type="elected")
    c = await reg.add_worker(SH_3, education="master", status="on_leave", hire_date="2024-11-02")
    await reg.add_worker(GD_1, political_status="cyl_member")
    await deliver(reg, grade(a, 9))
    await deliver(
        reg,
        QualificationObtained(
            worker_id=c["id"],
            community_code=SH_3,
            level="assistant",
            obtained_date=date(2024, 6, 1),
        ),
    )
    query = (
        "SELECT level, region, grain, period, dim, value, delta FROM workforce_counts "
        "WHERE delta != 0 ORDER BY level, region, grain, period, dim, value"
    )
    kept = [tuple(r) for r in await reg.rows(query)]
    assert any(r[2] == "f" for r in kept)
    assert any(r[4] == "grade" for r in kept)
    async with transaction(reg.app.state.runtime.sessions) as session:
        await rebuild(session, today_in_china())
    assert [tuple(r) for r in await reg.rows(query)] == kept


def envelope(data: Any) -> CloudEvent:
    return CloudEvent.new("cwp.career", data.type, data.model_dump(mode="json"), None)


COUNTS = (
    "SELECT level, region, grain, period, dim, value, delta FROM workforce_counts "
    "WHERE delta != 0 ORDER BY level, region, grain, period, dim, value"
)


async def test_a_batch_of_grades_counts_as_the_events_one_after_the_other(
    registry: Registry,
) -> None:
    """on_grades (registry-grades' batch form): each worker's last grade of the batch is
    kept, and the counts are those one event after the other writes (the set-based
    rebuild from the tables agrees); unknown workers and ids that are no UUID are
    skipped, as on_grade skips them."""
    reg = registry
    await reg.add_community(SH_1, population=8000, households=3000)
    await reg.add_community(GD_1, population=12000, households=4000)
    a = await reg.add_worker(SH_1, position="party_secretary", education="bachelor")
    b = await reg.add_worker(SH_1, status="on_leave")
    c = await reg.add_worker(GD_1, political_status="cyl_member")
    await deliver(reg, grade(a, 3))  # graded before the batch: its profile moves
    stranger = {"id": "00000000-0000-4000-8000-000000000001", "community_code": SH_1}
    bad_id = {"id": "not-a-uuid", "community_code": SH_1}
    batch = [
        grade(a, 5, previous=3),
        grade(b, 2),
        grade(stranger, 4),
        grade(a, 6, previous=5),
        grade(bad_id, 1),
        grade(c, 7),
        grade(c, 7, previous=7),
    ]
    async with transaction(reg.app.state.runtime.sessions) as session:
        await on_grades(session, [envelope(d) for d in batch])
    grades = dict(
        (str(r.worker_id), r.grade) for r in await reg.rows("SELECT * FROM worker_grades")
    )
    ids = {a["id"], b["id"], c["id"]}
    assert {k.replace("-", "") for k in grades} == {i.replace("-", "") for i in ids}
    by_id = {k.replace("-", ""): v for k, v in grades.items()}
    assert by_id[a["id"].replace("-", "")] == "other:6"
    assert by_id[b["id"].replace("-", "")] == "other:2"
    assert by_id[c["id"].replace("-", "")] == "other:7"
    kept = [tuple(r) for r in await reg.rows(COUNTS)]
    assert any(r[4] == "grade" and r[5] == "other:6" for r in kept)
    assert not any(r[4] == "grade" and r[5] in ("other:3", "other:5") for r in kept)
    async with transaction(reg.app.state.runtime.sessions) as session:
        await rebuild(session, today_in_china())
    assert [tuple(r) for r in await reg.rows(COUNTS)] == kept
    body = await report(reg, "")
    assert figures(body) == await direct(reg, "", today_in_china())


async def test_a_batch_of_grades_equals_the_same_events_one_at_a_time(
    registry: Registry,
) -> None:
    """The same events through on_grade one by one, then undone and redone through
    on_grades, leave the same counts and grades."""
    reg = registry
    await reg.add_community(SH_1, population=8000, households=3000)
    a = await reg.add_worker(SH_1, position="party_secretary")
    b = await reg.add_worker(SH_1, education="master")
    events = [grade(a, 2), grade(b, 4), grade(a, 3, previous=2), grade(b, 1, previous=4)]
    for data in events:
        await deliver(reg, data)
    one_by_one = [tuple(r) for r in await reg.rows(COUNTS)]
    grades_one = sorted(tuple(r) for r in await reg.rows("SELECT * FROM worker_grades"))
    # Back to the start: no grades, counts without them, then the batch.
    async with transaction(reg.app.state.runtime.sessions) as session:
        await session.execute(text("DELETE FROM worker_grades"))
        await rebuild(session, today_in_china())
        await on_grades(session, [envelope(d) for d in events])
    assert [tuple(r) for r in await reg.rows(COUNTS)] == one_by_one
    assert sorted(tuple(r) for r in await reg.rows("SELECT * FROM worker_grades")) == grades_one


async def test_a_batch_with_a_grade_that_breaks_its_contract_fails_whole(
    registry: Registry,
) -> None:
    """A payload that breaks the contract is a PermanentError for the batch (the consumer
    then splits it until the event stands alone), and nothing is written."""
    reg = registry
    await reg.add_community(SH_1)
    a = await reg.add_worker(SH_1)
    bad = envelope(grade(a, 2))
    bad.data["grade"] = "high"
    with pytest.raises(PermanentError, match="grade"):
        async with transaction(reg.app.state.runtime.sessions) as session:
            await on_grades(session, [envelope(grade(a, 1)), bad])
    assert await reg.rows("SELECT * FROM worker_grades") == []
