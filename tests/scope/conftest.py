"""The services under the OpenAPI scope sweep, each on a fresh database with
records in Shanghai (31), and tokens of Guangdong (44) for every role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_career.app import create_app as career_app
from cwp_career.config import Settings as CareerSettings
from cwp_common.clock import today_in_china
from cwp_common.keys import ensure_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app as gateway_app
from cwp_gateway.config import Settings as GatewaySettings
from cwp_payroll.app import create_app as payroll_app
from cwp_payroll.config import Settings as PayrollSettings
from cwp_payroll.runs.compute import compute_chunk
from cwp_registry.app import create_app as registry_app
from cwp_registry.config import Settings as RegistrySettings
from cwp_training.app import create_app as training_app
from cwp_training.config import Settings as TrainingSettings
from tests.career import helpers as career
from tests.gateway.servers import serve
from tests.payroll import helpers as payroll
from tests.registry.helpers import SH_1, SH_2, id_number
from tests.registry.people import seed_people
from tests.scope.openapi import ROLE_SETS, Home
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens, login
from tests.training import helpers as training

HOME, FOREIGN = "31", "44"
NAME = "沪测试员"  # a name no fixture of the other region uses


@dataclass
class Service:
    client: httpx.AsyncClient
    app: FastAPI
    home: Home
    foreign: dict[str, dict[str, str]]  # role label ("operator+pii") -> headers
    national: dict[str, str]  # a national admin, to show the ids are real


def foreign_tokens(tokens: Tokens, region: str = FOREIGN) -> dict[str, dict[str, str]]:
    return {"+".join(roles): tokens.headers(roles, region=region) for roles in ROLE_SETS}


@pytest.fixture
async def registry(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Service]:
    url = await fresh_database(backend, "registry", tmp_path)
    settings = RegistrySettings(
        database_url=url,
        consume_events=False,
        contract_reminders=False,
        count_fold=False,
        import_dir=str(tmp_path / "imports"),
    )
    app = registry_app(settings, platform_settings, create_schema=True)
    admin = tokens.headers(["admin", "operator", "pii"])
    async with running(app) as client:
        api = "/api/v1/registry"
        for code in (SH_1, SH_2):
            r = await client.post(
                f"{api}/communities",
                headers=admin,
                json={
                    "code": code,
                    "name": f"沪测试社区{code[-3:]}",
                    "population": 8000,
                    "households": 3000,
                },
            )
            assert r.status_code == 201, r.text
        number = id_number(area="310101")
        r = await client.post(
            f"{api}/workers",
            headers=admin,
            json={
                "name": NAME,
                "id_number": number,
                "community_code": SH_1,
                "position": "full_time_worker",
                "hire_date": "2020-03-01",
            },
        )
        assert r.status_code == 201, r.text
        worker = r.json()["id"]
        r = await client.post(
            f"{api}/workers/{worker}/transfer",
            headers=admin,
            json={"to_community_code": SH_2, "effective_date": today_in_china().isoformat()},
        )
        assert r.status_code in (200, 201), r.text
        people, people_markers = await seed_people(app, client, admin, worker, SH_2)
        r = await client.put(f"{api}/divisions/310101", headers=admin, json={"name": "黄浦区"})
        assert r.status_code == 200, r.text
        # An import job of the home region (one row, refused: the person is registered).
        r = await client.post(
            f"{api}/imports",
            headers=tokens.headers(["operator", "pii"], region=HOME),
            files={
                "file": (
                    "w.csv",
                    f"name,id_number,community_code,position,hire_date\n"
                    f"{NAME},{number},{SH_1},full_time_worker,2020-03-01\n".encode(),
                )
            },
        )
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        for _ in range(200):
            got = await client.get(f"{api}/imports/{job}", headers=admin)
            if got.json()["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        home = Home(
            region=HOME,
            community=SH_2,
            values={
                "worker_id": [worker],
                "code": [SH_1, SH_2],
                "community_code": [SH_2],
                "to_community_code": [SH_1],
                "region": [HOME],
                "division_code": ["310101"],
                "id_number": [number],
                **people,
                "job_id": [job],
            },
            markers={worker, number, NAME, "沪测试社区", "黄浦区", job, *people_markers},
            public={
                f"GET {api}/recruitment/public/rounds/{{round_id}}",
                f"POST {api}/recruitment/public/rounds/{{round_id}}/applications",
                f"POST {api}/recruitment/public/applications/{{application_id}}/status",
            },
        )
        yield Service(client, app, home, foreign_tokens(tokens), admin)


@dataclass
class CareerRecords:
    worker: str
    start: date
    assessments: list[str]
    recommendation: str
    ladder_body: dict[str, Any]
    ladder: str
    job: str


async def seed_career(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> CareerRecords:
    """A Shanghai party secretary with a Shanghai ladder (and its regrade job), two
    confirmed failing years (an open exit recommendation) and this year's draft."""
    api = career.API
    start = career.years_ago(12)
    worker = await career.register(
        app,
        name=NAME,
        community_code=career.SH,
        position="party_secretary",
        service_start_date=start,
    )
    body = career.ladder(
        jurisdiction=HOME, effective_date=career.years_ago(1).isoformat(), name="沪测试序列"
    )
    published = await career.publish(client, admin, body)
    year = today_in_china().year - 1
    scores = {"political_quality": 80, "work_performance": 80, "resident_satisfaction": 80}
    assessments, recs = [], []
    for y, result in ((year - 2, "不合格"), (year - 1, "不合格"), (year, "合格")):
        r = await client.post(
            f"{api}/assessments",
            headers=admin,
            json={"worker_id": worker, "year": y, "result": result, **scores},
        )
        assert r.status_code == 201, r.text
        assessments.append(r.json()["id"])
        if result == "不合格":
            confirmed = await client.post(
                f"{api}/assessments/{assessments[-1]}/confirm", headers=admin
            )
            assert confirmed.status_code == 200, confirmed.text
            recs += confirmed.json()["exit_recommendations"]
    assert recs
    return CareerRecords(
        worker,
        start,
        assessments,
        recs[0]["id"],
        body,
        published["id"],
        published["regrade_job_id"],
    )


@asynccontextmanager
async def seeded_career(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, admin: dict[str, str]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, CareerRecords]]:
    """A running career service on a fresh database, seeded with one worker's records."""
    url = await fresh_database(backend, "career", tmp_path)
    settings = CareerSettings(database_url=url, consume_events=False, daily_regrade=False)
    app = career_app(settings, platform_settings, create_schema=True)
    async with running(app) as client:
        yield app, client, await seed_career(app, client, admin)


@pytest.fixture
async def career_service(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Service]:
    admin = tokens.headers(["admin", "operator", "pii"])
    api = career.API
    async with seeded_career(backend, tmp_path, platform_settings, admin) as (app, client, rec):
        ids = {rec.worker, rec.ladder, rec.job, *rec.assessments, rec.recommendation}
        home = Home(
            region=HOME,
            community=career.SH,
            values={
                "worker_id": [rec.worker],
                "assessment_id": rec.assessments,
                "ladder_id": [rec.ladder],
                "job_id": [rec.job],
                "criterion": ["public-institution"],
                "name": ["three-posts-18-grades"],  # a template: reference data, shared
                "community_code": [career.SH],
                "unit": [career.SH],
                "region": [HOME],
                "jurisdiction": [HOME],
            },
            markers={*map(str, ids), NAME, "沪测试序列"},
            bodies={
                f"POST {api}/ladders": rec.ladder_body,
                f"POST {api}/ladders/preview": rec.ladder_body,
            },
        )
        yield Service(client, app, home, foreign_tokens(tokens), admin)


@pytest.fixture
async def career_moved(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Service]:
    """The same records after the worker's transfer to Guangdong: now Guangdong's, and
    Shanghai is the other province (its own ladder and job stay its own)."""
    admin = tokens.headers(["admin", "operator", "pii"])
    async with seeded_career(backend, tmp_path, platform_settings, admin) as (app, client, rec):
        await career.transfer(
            app,
            rec.worker,
            today_in_china() - timedelta(days=1),
            True,
            from_code=career.SH,
            name=NAME,
            community_code=career.GD,
            position="party_secretary",
            service_start_date=rec.start,
        )
        home = Home(
            region=FOREIGN,
            community=career.GD,
            values={
                "worker_id": [rec.worker],
                "assessment_id": rec.assessments,
                "criterion": ["public-institution"],
                "community_code": [career.GD],
                "unit": [career.GD],
                "region": [FOREIGN],
                "jurisdiction": [FOREIGN],
            },
            markers={rec.worker, *rec.assessments, rec.recommendation, NAME},
        )
        yield Service(client, app, home, foreign_tokens(tokens, HOME), admin)


@pytest.fixture
async def training_service(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Service]:
    """A Shanghai worker with a qualification, an exam result, a skill level, a class
    (course, base, trainer, plan) with the worker enrolled and attending, a resource and
    a published requirement, all of Shanghai's jurisdiction."""
    admin = tokens.headers(["admin", "operator", "pii"])
    url = await fresh_database(backend, "training", tmp_path)
    settings = TrainingSettings(database_url=url, consume_events=False, shortfall_job=False)
    app = training_app(settings, platform_settings, create_schema=True)
    async with running(app) as client:
        post = training.post
        worker = await training.register(app, name=NAME, community_code=training.SH)
        qual = await post(
            client,
            admin,
            "/qualifications",
            {
                "worker_id": worker,
                "level": "assistant",
                "obtained_on": "2020-05-01",
                "certificate_no": "SH-SCOPE-0001",
            },
        )
        exam = await post(
            client,
            admin,
            "/exam-results",
            {
                "worker_id": worker,
                "level": "intermediate",
                "subject": "law_and_policy",
                "exam_date": "2024-06-16",
                "score": "70",
            },
        )
        await post(
            client,
            admin,
            "/skill-levels",
            {
                "worker_id": worker,
                "level": "level_4",
                "occupation": "社会工作者",
                "obtained_on": "2023-01-01",
                "certificate_no": "SH-SKILL-0001",
            },
        )
        course = await training.course(client, admin, jurisdiction="3101", title="沪测试课程")
        base = await post(
            client,
            admin,
            "/bases",
            {
                "kind": "training",
                "name": "沪测试基地",
                "jurisdiction": "3101",
                "location_code": training.SH,
                "capacity": 40,
            },
        )
        trainer = await post(
            client,
            admin,
            "/trainers",
            {
                "name": "沪测试师",
                "affiliation": "上海社区学院",
                "expertise": ["mediation"],
                "jurisdiction": "31",
            },
        )
        plan = await post(
            client, admin, "/plans", {"jurisdiction": "3101", "year": 2025, "title": "沪测试计划"}
        )
        klass = await training.klass(
            client,
            admin,
            course["id"],
            jurisdiction="3101",
            base_id=base["id"],
            plan_id=plan["id"],
            trainer_ids=[trainer["id"]],
            capacity=10,
        )
        await post(client, admin, f"/classes/{klass['id']}/enrolments", {"worker_id": worker})
        await post(
            client,
            admin,
            f"/classes/{klass['id']}/attendance",
            {"records": [{"worker_id": worker, "day": "2025-03-03", "minutes": 120}]},
        )
        resource = await post(
            client,
            admin,
            "/resources",
            {
                "title": "沪测试资源",
                "kind": "case",
                "topics": ["mediation"],
                "url": "https://example.org/sh",
                "jurisdiction": "31",
            },
        )
        requirement = await post(
            client,
            admin,
            "/requirements",
            {"jurisdiction": "31", "period": "yearly", "hours": 30, "effective_from": "2025-01-01"},
        )
        ids = [
            worker,
            qual["id"],
            exam["result"]["id"],
            course["id"],
            base["id"],
            trainer["id"],
            plan["id"],
            klass["id"],
            resource["id"],
            requirement["id"],
        ]
        home = Home(
            region=HOME,
            community=training.SH,
            values={
                "worker_id": [worker],
                "qualification_id": [qual["id"]],
                "course_id": [course["id"]],
                "base_id": [base["id"]],
                "trainer_id": [trainer["id"]],
                "plan_id": [plan["id"]],
                "class_id": [klass["id"]],
                "resource_id": [resource["id"]],
                "community_code": [training.SH],
                "street": [training.SH[:9]],
                "location_code": [training.SH],
                "region": [HOME],
                "jurisdiction": ["3101"],
            },
            markers={
                *ids,
                NAME,
                "沪测试课程",
                "沪测试基地",
                "沪测试师",
                "沪测试计划",
                "沪测试资源",
                "SH-SCOPE-0001",
                "SH-SKILL-0001",
            },
        )
        yield Service(client, app, home, foreign_tokens(tokens), admin)


@pytest.fixture
async def payroll_service(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> AsyncIterator[Service]:
    """A Shanghai worker paid by a Shanghai run under Shanghai's policies (its chunk
    computed by the same function a replica runs)."""
    admin = tokens.headers(["admin", "operator", "pii"])
    url = await fresh_database(backend, "payroll", tmp_path)
    settings = PayrollSettings(
        database_url=url, consume_events=False, work_chunks=False, demo_region=""
    )
    app = payroll_app(settings, platform_settings, create_schema=True)
    api = payroll.API
    async with running(app) as client:
        await payroll.publish_policy(client, admin, HOME)
        policies = (await client.get(f"{api}/policies", headers=admin)).json()["items"]
        worker = await payroll.worker(app, name=NAME, community_code=payroll.SH)
        run = await payroll.start_run(client, admin, HOME, "2025-03")
        await compute_chunk(app.state.runtime.sessions, uuid.UUID(run["id"]), payroll.SH[:9], 1, "")
        assert (await payroll.payslips(client, admin, worker))[0]["name"] == NAME
        wage = await client.post(
            f"{api}/reference-wages",
            headers=admin,
            json={
                "division": "31",
                "year": 2024,
                "kind": "all_urban",
                "annual": "200000.00",
                "source": "沪测试来源",
            },
        )
        assert wage.status_code == 201, wage.text
        home = Home(
            region=HOME,
            community=payroll.SH,
            values={
                "worker_id": [worker],
                "run_id": [run["id"]],
                "policy_id": [p["id"] for p in policies],
                "region": [HOME],
                "jurisdiction": [HOME],
                "division": [HOME],
                "community_code": [payroll.SH],
            },
            markers={worker, run["id"], NAME, wage.json()["id"], "沪测试来源"}
            | {p["id"] for p in policies},
            computations={f"POST {api}/tax/preview", f"POST {api}/tax/bonus-preview"},
        )
        yield Service(client, app, home, foreign_tokens(tokens), admin)


GATEWAY_ADMIN, GATEWAY_PASSWORD = "root-admin", "a-long-admin-password"
PASSWORD = "correct horse battery"


@pytest.fixture
async def gateway(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings
) -> AsyncIterator[Service]:
    """The gateway signs its own tokens: the accounts of both regions are made through
    its API by the bootstrap administrator, and the foreign tokens come from sign-ins."""
    platform = platform_settings.model_copy(
        update={"jwt_public_key_path": tmp_path / "keys" / "jwt-public.pem"}
    )
    # The registry behind it answers the gateway's own questions (is this worker in the
    # caller's region?) on the caller's token.
    ensure_keypair(tmp_path / "keys" / "jwt-private.pem", tmp_path / "keys" / "jwt-public.pem")
    registry_url = await fresh_database(backend, "registry", tmp_path)
    behind = registry_app(RegistrySettings(database_url=registry_url), platform, create_schema=True)
    settings = GatewaySettings(
        database_url=await fresh_database(backend, "gateway", tmp_path),
        jwt_private_key_path=tmp_path / "keys" / "jwt-private.pem",
        admin_username=GATEWAY_ADMIN,
        admin_password=GATEWAY_PASSWORD,
    )
    async with (
        serve(behind) as behind_url,
        running(
            gateway_app(
                settings.model_copy(update={"registry_url": behind_url}),
                platform,
                create_schema=True,
            )
        ) as client,
    ):
        national = await login(client, GATEWAY_ADMIN, GATEWAY_PASSWORD)
        users = "/api/v1/auth/users"

        async def user(username: str, roles: list[str], region: str) -> dict[str, Any]:
            body = {"username": username, "password": PASSWORD, "roles": roles, "region": region}
            r = await client.post(users, headers=national, json=body)
            assert r.status_code == 201, r.text
            return dict(r.json())

        home_user = await user("sh.home-user", ["operator", "viewer"], HOME)
        r = await client.post(
            "/api/v1/auth/clients",
            headers=national,
            json={"name": "沪测试系统", "roles": ["viewer"], "region": HOME},
        )
        assert r.status_code == 201, r.text
        home_client = r.json()
        # A webhook subscription of the home client: no foreign caller may see or touch it.
        r = await client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": home_client["client_id"],
                "client_secret": home_client["client_secret"],
            },
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            "/api/v1/webhooks",
            headers={"Authorization": f"Bearer {r.json()['access_token']}"},
            json={
                "url": "http://127.0.0.1:9/hooks/sh-marker",
                "events": ["registry.worker.registered.v1"],
                "description": "沪测试订阅",
            },
        )
        assert r.status_code == 201, r.text
        home_hook = r.json()
        foreign = {}
        for roles in ROLE_SETS:
            label = "+".join(roles)
            name = f"gd.{label.replace('+', '-')}"
            await user(name, roles, FOREIGN)
            foreign[label] = await login(client, name, PASSWORD)
        home = Home(
            region=HOME,
            community="310101002001",
            values={
                "username": [home_user["username"]],
                "client_id": [home_client["client_id"]],
                "region": [HOME],
                "subscription_id": [home_hook["id"]],
            },
            markers={
                home_hook["id"],
                "sh-marker",
                "沪测试订阅",
                home_user["username"],
                home_user["id"],
                home_client["client_id"],
                home_client["id"],
                "沪测试系统",
            },
        )
        yield Service(client, FastAPI(), home, foreign, national)
