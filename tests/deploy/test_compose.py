"""deploy/compose.yaml, checked as Compose would read it (schema of the Compose
specification, before and after interpolation) and against the platform's rules: a
migration step per service that the service waits for, health checks and depends_on
conditions, required secrets as ${VAR:?}, named volumes, one published entry."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from typing import Any

import jsonschema
import pytest
from sqlalchemy.engine import make_url

from cwp_common.events.access import CONSUMERS
from tests.deploy.compose import MissingVariable, compose_schema, interpolate, load, variables
from tests.deploy.conftest import DEPLOY, workspace_services

COMPOSE = load(DEPLOY / "compose.yaml")
SERVICES: dict[str, Any] = COMPOSE["services"]
PLATFORM = list(CONSUMERS)  # every service the NATS permission table knows
SECRET_NAME = re.compile(r"(PASSWORD|PII_KEY|PII_HASH_KEY|SECRET)$")
REQUIRED = {name for name, op in variables(COMPOSE) if op == ":?"}


def full_environment() -> dict[str, str]:
    return {name: f"value-of-{name.lower()}" for name in REQUIRED} | {"CWP_VERSION": "1.4.2"}


def test_the_file_follows_the_compose_specification() -> None:
    validator = jsonschema.validators.validator_for(compose_schema())(compose_schema())
    errors = sorted(validator.iter_errors(COMPOSE), key=str)
    assert not errors, errors[0]
    interpolated = interpolate(COMPOSE, full_environment())
    errors = sorted(validator.iter_errors(interpolated), key=str)
    assert not errors, errors[0]


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_every_required_value_stops_the_start_when_missing(missing: str) -> None:
    env = full_environment()
    del env[missing]
    with pytest.raises(MissingVariable, match=missing):
        interpolate(COMPOSE, env)


def test_every_service_of_the_platform_has_a_migration_step_and_a_service() -> None:
    assert set(workspace_services()) <= set(PLATFORM)
    for name in PLATFORM:
        migrate, service = SERVICES[f"{name}-migrate"], SERVICES[name]
        assert migrate["command"] == ["migrate"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert service["depends_on"][f"{name}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert migrate["image"] == service["image"]
        assert migrate["environment"] == service["environment"]


def test_the_gateway_waits_for_every_service_to_be_healthy() -> None:
    needs = SERVICES["gateway"]["depends_on"]
    for name in PLATFORM:
        if name != "gateway":
            assert needs[name] == {"condition": "service_healthy"}
            assert SERVICES["gateway"]["environment"][f"GATEWAY_{name.upper()}_URL"] == (
                f"http://{name}:8080"
            )


def test_every_long_running_container_has_a_health_check_and_a_restart_policy() -> None:
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert service["restart"] in ("always", "unless-stopped"), name
    for name in PLATFORM:
        assert "/readyz" in " ".join(SERVICES[name]["healthcheck"]["test"])


def test_every_dependency_has_a_condition_on_a_real_service() -> None:
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in SERVICES.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in SERVICES, f"{name} waits for a missing {needed}"
            assert how["condition"] in conditions
            if how["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[needed], f"{needed} can never be healthy"
            if how["condition"] == "service_completed_successfully":
                assert SERVICES[needed]["restart"] == "no"


def test_secrets_are_required_values_never_written_down() -> None:
    for name, service in SERVICES.items():
        for key, value in service.get("environment", {}).items():
            if SECRET_NAME.search(key) or "DATABASE_URL" in key:
                found = variables(value)
                assert found, f"{name}: {key} is written in the file"
                if SECRET_NAME.search(key):
                    assert found[0][1] == ":?", f"{name}: {key} must be ${{{key}:?}}"
                else:
                    assert any(op == ":?" and SECRET_NAME.search(v) for v, op in found)
    for secret in COMPOSE["secrets"].values():
        assert variables(secret["file"])[0] == ("CWP_SECRETS_DIR", ":?")


def test_each_service_gets_only_its_own_nats_password() -> None:
    for name in PLATFORM:
        mounted = {s["source"] for s in SERVICES[name]["secrets"]}
        assert {m for m in mounted if m.startswith("nats-")} == {f"nats-{name}"}
        assert {"source": f"nats-{name}", "target": f"/run/secrets/nats/{name}"} in SERVICES[name][
            "secrets"
        ]
    everyone = {f"nats-{name}" for name in PLATFORM} | {"nats-ops"}
    assert {s["source"] for s in SERVICES["nats-config"]["secrets"]} == everyone
    # The streams step makes every stream as the operations user, and needs nothing else.
    assert SERVICES["nats-streams"]["secrets"] == [
        {"source": "nats-ops", "target": "/run/secrets/nats/ops"}
    ]
    assert set(COMPOSE["secrets"]) == everyone | {"jwt-public", "jwt-private"}
    signers = [n for n, s in SERVICES.items() if "jwt-private" in str(s.get("secrets"))]
    assert signers == ["gateway"]


def test_postgres_has_a_database_and_role_per_service() -> None:
    env = SERVICES["postgres"]["environment"]
    assert env["CWP_DATABASES"].split() == [n for n in PLATFORM if n != "gateway"] + ["gateway"]
    for name in PLATFORM:
        assert variables(env[f"{name.upper()}_DB_PASSWORD"]) == [
            (f"{name.upper()}_DB_PASSWORD", ":?")
        ]
        url = interpolate(SERVICES[name]["environment"][f"{name.upper()}_DATABASE_URL"],
                          full_environment())  # fmt: skip
        parsed = make_url(url)
        assert (parsed.username, parsed.database, parsed.host) == (name, f"cwp_{name}", "postgres")


def test_volumes_are_named_and_declared() -> None:
    declared = set(COMPOSE["volumes"])
    used = set()
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert volume.endswith(":ro"), f"{name}: a bind mount must be read-only"
                assert (DEPLOY / source).is_file()
                continue
            assert source in declared, f"{name}: volume {source} is not declared"
            used.add(source)
    assert used == declared
    assert "nats-data" in used
    assert "postgres-data" in used


def test_only_the_gateway_is_published_and_monitoring_stays_on_this_host() -> None:
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            if name == "gateway" and port.endswith(":8080"):
                continue
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} to the network"
    assert any(p.endswith(":8222") for p in SERVICES["nats"]["ports"])  # monitoring port


def test_platform_containers_are_hardened_and_images_pinned() -> None:
    for name, service in SERVICES.items():
        image = interpolate(service["image"], full_environment())
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{name}: {image} has no tag"
        assert not image.endswith(":latest")
        if image.startswith("cwp-"):
            assert service["read_only"] is True
            assert service["cap_drop"] == ["ALL"]
            assert "no-new-privileges:true" in service["security_opt"]
            assert "CWP_ENV" not in service.get("environment", {})  # production


def test_jetstream_is_on_with_lame_duck_and_monitoring() -> None:
    nats = SERVICES["nats"]
    assert "-m" in nats["command"]
    assert nats["stop_signal"] == "SIGUSR2"  # lame duck
    assert nats["depends_on"]["nats-config"] == {"condition": "service_completed_successfully"}
    renders = " ".join(SERVICES["nats-config"]["entrypoint"])
    assert "cwp_common.events.access" in renders
    assert "--lame-duck-duration" in renders
    assert "cwp streams apply" in " ".join(SERVICES["nats-streams"]["command"])


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_the_postgres_init_script_makes_a_private_database_per_service() -> None:
    """The init script, run for real: each role reaches its own database and not
    another's."""
    admin = make_url(os.environ["TEST_DATABASE_URL"])
    tag = f"deploytest{os.environ.get('TEST_DATABASE_SUFFIX', '')}_"
    names = ["alpha", "beta"]
    passwords = {n: uuid.uuid4().hex for n in names}
    env = {
        **os.environ,
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": admin.database or "postgres",
        "CWP_DATABASES": " ".join(names),
        "CWP_DB_PREFIX": f"cwp_{tag}",
        "CWP_ROLE_PREFIX": tag,
        **{f"{n.upper()}_DB_PASSWORD": p for n, p in passwords.items()},
    }
    drop = [
        arg
        for n in names
        for sql in (f'DROP DATABASE IF EXISTS "cwp_{tag}{n}"', f'DROP ROLE IF EXISTS "{tag}{n}"')
        for arg in ("-c", sql)
    ]
    psql = [
        "psql",
        "-h",
        env["PGHOST"],
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        env["POSTGRES_USER"],
        "-d",
        env["POSTGRES_DB"],
    ]
    subprocess.run([*psql, *drop], env=env, check=True, capture_output=True)
    try:
        subprocess.run(["sh", str(DEPLOY / "compose/postgres-init.sh")], env=env, check=True)
        for name in names:
            own = {**env, "PGPASSWORD": passwords[name]}
            who = [
                "psql", "-h", env["PGHOST"], "-U", f"{tag}{name}", "-d", f"cwp_{tag}{name}",
                "-tAc", "CREATE TABLE t (x int); SELECT current_user",
            ]  # fmt: skip
            assert subprocess.run(who, env=own, check=True, capture_output=True, text=True)
            other = "beta" if name == "alpha" else "alpha"
            peek = [*who[:5], f"cwp_{tag}{other}", "-tAc", "SELECT 1"]
            refused = subprocess.run(peek, env=own, capture_output=True, text=True, check=False)
            assert refused.returncode != 0
            assert "permission denied" in refused.stderr
    finally:
        subprocess.run([*psql, *drop], env=env, check=True, capture_output=True)


def test_the_example_environment_names_every_required_value() -> None:
    listed = set(re.findall(r"^#?\s*(\w+)=", (DEPLOY / "compose.env.example").read_text(), re.M))
    assert listed >= REQUIRED
    assert listed >= {name for name, _ in variables(COMPOSE)}
