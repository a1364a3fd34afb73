"""Exam results through the API: the qualification is granted when the rule is met,
with the same event a recorded certificate publishes; bad results write nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cwp_common.events.contracts import QualificationObtained
from cwp_training.exams.models import ExamResult
from tests.training.helpers import API, count, outbox, register


async def result(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    worker: str,
    subject: str,
    day: str,
    score: str,
    level: str = "assistant",
) -> httpx.Response:
    body = {
        "worker_id": worker,
        "level": level,
        "subject": subject,
        "exam_date": day,
        "score": score,
    }
    return await client.post(f"{API}/exam-results", headers=headers, json=body)


async def test_passing_both_assistant_subjects_grants_the_level(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    worker = await register(app)
    r = await result(client, operator, worker, "comprehensive_assistant", "2024-06-15", "66.5")
    assert r.status_code == 201, r.text
    assert r.json()["result"]["passed"] is True
    assert r.json()["qualification"] is None
    r = await result(client, operator, worker, "practice_assistant", "2024-06-16", "60")
    assert r.status_code == 201, r.text
    granted = r.json()["qualification"]
    assert granted["level"] == "assistant"
    assert granted["source"] == "exam"
    assert granted["obtained_on"] == "2024-06-16"
    [event] = [e for e in await outbox(app) if e.type == QualificationObtained.type]
    assert event.data["level"] == "assistant"
    assert event.data["worker_id"] == worker
    listed = await client.get(f"{API}/workers/{worker}/exam-results", headers=operator)
    assert len(listed.json()["items"]) == 2


async def test_a_regional_line_passes_a_score_the_national_mark_fails(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    local = await register(app, community_code="513201001001")
    r = await result(client, operator, local, "comprehensive_assistant", "2024-06-15", "55")
    assert r.json()["result"]["passed"] is True
    assert r.json()["result"]["pass_mark"] == 54
    elsewhere = await register(app)
    r = await result(client, operator, elsewhere, "comprehensive_assistant", "2024-06-15", "55")
    assert r.json()["result"]["passed"] is False


async def test_bad_results_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    worker = await register(app)
    assert (
        await result(client, operator, worker, "practice_assistant", "2024-06-16", "70")
    ).status_code == 201
    cases = [
        ("practice_assistant", "2024-06-16", "70", 409),  # the same subject and year again
        ("practice_senior", "2024-06-16", "70", 422),  # not a subject of this level
        ("practice_assistant", "2023-06-16", "100.1", 422),
        ("practice_assistant", "2023-06-16", "-1", 422),
        ("practice_assistant", "2023-06-16", "70.25", 422),
        ("practice_assistant", "2999-06-16", "70", 422),
    ]
    for subject, day, score, status in cases:
        r = await result(client, operator, worker, subject, day, score)
        assert r.status_code == status, (subject, day, score, r.text)
    assert await count(app, ExamResult) == 1


async def certificate(
    client: httpx.AsyncClient, headers: dict[str, str], worker: str, level: str, day: str
) -> None:
    r = await client.post(
        f"{API}/qualifications",
        headers=headers,
        json={
            "worker_id": worker,
            "level": level,
            "obtained_on": day,
            "certificate_no": f"SW-{worker[:8]}-{level}",
        },
    )
    assert r.status_code == 201, r.text


async def test_the_senior_exam_refuses_a_worker_who_does_not_meet_its_conditions(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    senior = ("practice_senior", "2025-06-14", "75", "senior")
    no_intermediate = await register(app, education="master")
    r = await result(client, operator, no_intermediate, *senior)
    assert r.status_code == 422
    assert r.json()["type"] == "urn:cwp:problem:exam-not-eligible"
    assert [e["field"] for e in r.json()["errors"]] == ["qualification"]

    college = await register(app, education="junior_college")
    await certificate(client, operator, college, "intermediate", "2018-06-01")
    r = await result(client, operator, college, *senior)
    assert [e["field"] for e in r.json()["errors"]] == ["education"]

    too_recent = await register(app, education="bachelor")
    await certificate(client, operator, too_recent, "intermediate", "2021-01-01")
    r = await result(client, operator, too_recent, *senior)
    assert [e["field"] for e in r.json()["errors"]] == ["qualification"]
    assert await count(app, ExamResult) == 0

    eligible = await register(app, education="bachelor")
    await certificate(client, operator, eligible, "intermediate", "2020-12-31")
    r = await result(client, operator, eligible, *senior)
    assert r.status_code == 201, r.text
    r = await result(client, operator, eligible, "review", "2026-03-01", "80", "senior")
    assert r.status_code == 201, r.text
    assert r.json()["qualification"]["level"] == "senior"
