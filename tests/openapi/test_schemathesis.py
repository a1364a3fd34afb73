"""Schemathesis (`schemathesis run --checks all`) against each service's own document and
the gateway's merged one, over real HTTP, with a real token from the gateway's sign-in:
the documents tell the truth, so provincial systems can generate clients from them.

Deterministic and bounded: the same few examples an operation every run
(SCHEMATHESIS_MAX_EXAMPLES, default 8; schemathesis.toml derandomizes Hypothesis and
keeps no example database), so a run's length is set by the documents, not by a clock.
Every failure found is printed with its operation and check; the test passes only when
there is none."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwp_common.settings import PlatformSettings
from tests.openapi.stack import ADMIN, ADMIN_PASSWORD, SERVICES, platform_stack
from tests.support.tokens import Tokens, login

pytestmark = [pytest.mark.schemathesis, pytest.mark.timeout(600)]

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8")
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# target -> (service whose base URL serves it, the document's path, phases). The merged
# document's schemas are the services' own (test_merged_document): their coverage phase
# (every boundary value of every field, about 60% of the merged run) has run against each
# service already, so through the gateway the examples, fuzzing and stateful phases test
# what it adds (its answers, headers and statuses in front of every route).
TARGETS = {
    "registry": ("registry", "/openapi.json", ALL_PHASES),
    "career": ("career", "/openapi.json", ALL_PHASES),
    "payroll": ("payroll", "/openapi.json", ALL_PHASES),
    "training": ("training", "/openapi.json", ALL_PHASES),
    "gateway": ("gateway", "/openapi.json", ALL_PHASES),
    "merged": ("gateway", "/api/v1/openapi.json", "examples,fuzzing,stateful"),
}


async def schemathesis(
    url: str, phases: str, token: str, out: Path
) -> tuple[int, str, dict[str, Any]]:
    report = out / "report.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        url,
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-examples",
        MAX_EXAMPLES,
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={
            **os.environ,
            "NO_COLOR": "1",
            "COLUMNS": "160",
            "SCHEMATHESIS_HOOKS": "tests.openapi.hooks",
            "PYTHONPATH": str(ROOT),
        },
    )
    output, _ = await process.communicate()
    data = json.loads(report.read_text()) if report.is_file() else {}
    return process.returncode or 0, output.decode(errors="replace"), data


async def documents_ready(urls: dict[str, str], service: str, path: str) -> None:
    """Each document built once before Schemathesis loads it (on a loaded machine a cold
    merge took longer than its 10 s load timeout), and the merged one whole: a service
    missing from it would leave its routes untested."""
    async with httpx.AsyncClient(timeout=120) as client:
        for name in SERVICES:
            (await client.get(urls[name] + "/openapi.json")).raise_for_status()
        for _ in range(12):
            r = await client.get(urls[service] + path)
            r.raise_for_status()
            missing = r.json()["info"].get("x-cwp-services", {}).get("missing")
            if not missing:
                return
            await asyncio.sleep(5)  # the gateway asks a missing service again after 5 s
    raise AssertionError(f"the merged document lacks {missing}")


@pytest.mark.parametrize("target", list(TARGETS))
async def test_schemathesis_finds_nothing(
    target: str,
    backend: str,
    tmp_path: Path,
    platform_settings: PlatformSettings,
    tokens: Tokens,
) -> None:
    service, path, phases = TARGETS[target]
    # Limits the run cannot reach: the test is of the documents, not of the throttles.
    async with platform_stack(
        backend,
        tmp_path,
        platform_settings,
        tokens,
        user_rate=10_000,
        user_burst=10_000,
        anonymous_rate=10_000,
        anonymous_burst=10_000,
        webhook_subscribe_rate=10_000,
        webhook_subscribe_burst=10_000,
        webhook_replay_rate=10_000,
        webhook_replay_burst=10_000,
    ) as stack:
        async with httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30) as client:
            token = (await login(client, ADMIN, ADMIN_PASSWORD))["Authorization"].split()[1]
        await documents_ready(stack.urls, service, path)
        code, output, report = await schemathesis(
            stack.urls[service] + path, phases, token, tmp_path
        )
    print(output)
    found = [
        f"{group['code']} {group['title']}: {group['count']} ({', '.join(group['operations'])})"
        for group in report.get("failures", [])
    ]
    total = sum(group["count"] for group in report.get("failures", []))
    print(f"schemathesis {target}: {total} failures")
    assert code == 0, "\n".join([f"{total} failures", *found, output[-3000:]])
