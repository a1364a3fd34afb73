"""`cwp load-policy`: career ladders and payroll policy (pay standards, insurance and
housing fund rates, benchmark floors, reference wages) published from files through a
real gateway, career and payroll, on SQLite and PostgreSQL; a bad file anywhere in the
batch is reported by file, item and field, and nothing at all is written."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwp_ops.cli import main
from cwp_ops.demo import sign_in
from cwp_ops.policy import KINDS, Refused, publish
from cwp_payroll.policy.schemas import BODIES
from tests.support.answers import json_items
from tests.support.databases import backends, fresh_database
from tests.support.processes import ADMIN_PASSWORD, ROOT, Platform, build_platform

SERVICES = ["career", "payroll", "gateway"]
DEMO = json.loads(
    (ROOT / "services/payroll/src/cwp_payroll/policy/data/demo_policy.json").read_text()
)


@pytest.fixture(scope="module", params=backends())
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    workdir = tmp_path_factory.mktemp(f"policy-{request.param}")
    p = build_platform(workdir, SERVICES)
    for name in ("career", "payroll"):
        url = asyncio.run(fresh_database(request.param, name, workdir))
        p.env[f"{name.upper()}_DATABASE_URL"] = url
    p.nats.start()
    try:
        p.start(SERVICES, timeout=90)
        yield p
    finally:
        p.stop()


def write(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def policy(jurisdiction: str, effective: str, kind: str) -> dict[str, Any]:
    return {"jurisdiction": jurisdiction, "effective_date": effective, "body": DEMO[kind]}


def wage(year: int, annual: str) -> dict[str, Any]:
    return {"division": "44", "year": year, "kind": "non_private", "annual": annual,
            "source": "广东省统计局"}  # fmt: skip


async def listed(
    client: httpx.AsyncClient, auth: dict[str, str], path: str, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(path, headers=auth, params=params)
    assert r.status_code == 200, r.text
    return json_items(r)


@pytest.mark.e2e
@pytest.mark.timeout(400)
async def test_every_kind_is_published_and_a_bad_batch_writes_nothing(
    platform: Platform, tmp_path: Path
) -> None:
    template = json.loads(
        (ROOT / "services/career/src/cwp_career/ladders/templates/three_posts_18.json").read_text()
    )
    template["ladder"] |= {"jurisdiction": "44", "name": "广东省三岗十八级",
                           "effective_date": "2025-01-01"}  # fmt: skip
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=60) as client:
        auth = await sign_in(client, "admin", ADMIN_PASSWORD)

        # A good batch of every kind: published, and the services hold it.
        ladder = write(tmp_path / "guangdong.json", template)
        done = await publish(client, auth, KINDS["ladders"], [ladder])
        assert [ok for _, ok, _ in done] == [True]
        for kind, doc in (("pay-standards", "standard"), ("insurance", "insurance"),
                          ("benchmarks", "benchmark")):  # fmt: skip
            f = write(tmp_path / f"{kind}.json", [policy("44", "2025-01-01", doc),
                                                   policy("4401", "2025-07-01", doc)])  # fmt: skip
            done = await publish(client, auth, KINDS[kind], [f])
            assert [(w.split(": ")[-1], ok) for w, ok, _ in done] == [
                ("item 1", True),
                ("item 2", True),
            ]
        wages = write(tmp_path / "wages.json", [wage(2023, "130000.00"), wage(2024, "135000.00")])
        done = await publish(client, auth, KINDS["reference-wages"], [wages])
        assert all(ok for _, ok, _ in done)
        assert len(done) == 2
        ladders = await listed(client, auth, "/api/v1/career/ladders", jurisdiction="44")
        assert [item["name"] for item in ladders] == ["广东省三岗十八级"]
        for kind in ("standard", "insurance", "benchmark"):
            docs = await listed(client, auth, "/api/v1/payroll/policies", kind=kind)
            mine = sorted((d["jurisdiction"], d["effective_date"]) for d in docs
                          if d["jurisdiction"].startswith("44"))  # fmt: skip
            assert mine == [("44", "2025-01-01"), ("4401", "2025-07-01")]
            stored = BODIES[kind].model_validate(DEMO[kind]).model_dump(mode="json")
            assert [d["body"] for d in docs if d["jurisdiction"] == "44"] == [stored]
        got = await listed(client, auth, "/api/v1/payroll/reference-wages", division="44")
        assert sorted((w["year"], w["annual"]) for w in got) == [
            (2023, "130000.00"),
            (2024, "135000.00"),
        ]

        # Bad batches: every problem by file, item and field; nothing written.
        before = {
            kind: len(await listed(client, auth, "/api/v1/payroll/policies", kind=kind, limit=200))
            for kind in ("standard", "insurance", "benchmark")
        }
        capped = json.loads(json.dumps(DEMO["insurance"]))
        capped["base_cap_share"] = "0.5"  # a cap below its floor: the service's own rule
        float_rate = json.loads(json.dumps(DEMO["insurance"]))
        float_rate["pension"]["employer"] = 0.16  # a JSON number, not a decimal string
        good = write(tmp_path / "ins-good.json", [policy("45", "2025-01-01", "insurance")])
        bad = write(tmp_path / "ins-bad.json", [
            policy("46", "2025-01-01", "insurance"),
            {"jurisdiction": "46", "effective_date": "2025-02-01", "body": capped},
            {"jurisdiction": "46", "effective_date": "2025-03-01", "body": float_rate},
            policy("44", "2025-01-01", "insurance"),  # the service holds it already
            policy("46", "2025-01-01", "insurance"),  # repeats item 1
            [1, 2],
        ])  # fmt: skip
        broken = tmp_path / "broken.json"
        broken.write_text('{"jurisdiction": "47",', encoding="utf-8")
        with pytest.raises(Refused) as refused:
            await publish(
                client, auth, KINDS["insurance"], [good, bad, broken, tmp_path / "none.json"]
            )
        lines = refused.value.lines
        text = "\n".join(lines)
        assert f"{bad}: item 2: body: " in text
        assert f"{bad}: item 3: body.pension.employer: " in text
        assert "decimal string" in text
        assert "0.16" not in text  # the file's values are not repeated
        assert (
            f"{bad}: item 4: the service holds one already (jurisdiction, effective_date)" in text
        )
        assert f"{bad}: item 5: repeats {bad}: item 1" in text
        assert f"{bad}: item 6: expected a JSON object" in text
        assert f"{broken}: not JSON (line 1" in text
        assert f"{tmp_path / 'none.json'}: cannot be read (FileNotFoundError)" in text
        assert not any(str(good) in line for line in lines)
        after = {
            kind: len(await listed(client, auth, "/api/v1/payroll/policies", kind=kind, limit=200))
            for kind in ("standard", "insurance", "benchmark")
        }
        assert after == before  # not even the good file's item, nor bad's item 1

        wrong_wages = write(tmp_path / "wages-bad.json", [
            wage(2025, "140000.00"),
            wage(2023, "1.5e5"),
            {**wage(1999, "100.00")},
            {**wage(2026, "100.00"), "extra": "x"},
            wage(2024, "135000.00"),  # exists already
        ])  # fmt: skip
        with pytest.raises(Refused) as refused:
            await publish(client, auth, KINDS["reference-wages"], [wrong_wages])
        text = "\n".join(refused.value.lines)
        assert f"{wrong_wages}: item 2: annual: " in text
        assert f"{wrong_wages}: item 3: year: " in text
        assert f"{wrong_wages}: item 4: extra: " in text
        assert (
            f"{wrong_wages}: item 5: the service holds one already (division, year, kind)" in text
        )
        assert "item 1" not in text
        got = await listed(client, auth, "/api/v1/payroll/reference-wages", division="44")
        assert len(got) == 2

        broken_ladder = write(tmp_path / "ladder-bad.json",
                              [{**template["ladder"], "jurisdiction": "45", "step_years": 0}])  # fmt: skip
        with pytest.raises(Refused) as refused:
            await publish(client, auth, KINDS["ladders"], [broken_ladder])
        assert f"{broken_ladder}: item 1: step_years: " in "\n".join(refused.value.lines)
        assert await listed(client, auth, "/api/v1/career/ladders", jurisdiction="45") == []


@pytest.mark.e2e
@pytest.mark.timeout(200)
def test_the_command_prints_every_problem_and_exits_1(
    platform: Platform, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    bad = write(tmp_path / "wages.json", [wage(2030, "-1.00"), wage(2031, "1.00")])
    monkeypatch.setenv("CWP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    args = ["load-policy", "reference-wages", "--gateway", platform.gateway]
    with pytest.raises(SystemExit) as exited:
        main([*args, str(bad)])
    assert exited.value.code == "nothing published: 1 problem(s)"
    out = capsys.readouterr().out
    assert out.splitlines() == [f"{bad}: item 1: annual: Value error, an amount is a decimal "
                                "string with at most two decimals, not negative, e.g. "
                                '"3400.00" / 金额须为非负、最多两位小数的十进制字符串']  # fmt: skip
    good = write(tmp_path / "wages-good.json", [wage(2031, "1.00")])
    main([*args, str(good)])
    assert f"{good}: item 1: published " in capsys.readouterr().out
