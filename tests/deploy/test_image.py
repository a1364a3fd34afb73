"""The one Dockerfile, checked without a container engine: its shape (multi-stage, a
slim non-root runtime without build tools, a health check, production by default), the
build context against what it copies, and the entry point's two commands for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, workspace_services
from tests.deploy.dockerfile import Dockerfile, DockerIgnore, context_files, substitute
from tests.support.tokens import Tokens

DOCKERFILE = Dockerfile.parse(ROOT / "Dockerfile")
IGNORE = DockerIgnore((ROOT / ".dockerignore").read_text())
ENTRYPOINT = ROOT / "deploy/image/entrypoint.sh"


def build_args(service: str) -> dict[str, str]:
    """The ARG defaults of the Dockerfile, with SERVICE given as `make image` gives it."""
    values: dict[str, str] = {}
    for ins in DOCKERFILE.of("ARG"):
        name, _, default = ins.args.partition("=")
        if default:
            values[name] = default
    return {**values, "SERVICE": service}


def test_the_workspace_has_services() -> None:
    assert {"registry", "career", "gateway"} <= set(workspace_services())


@pytest.mark.parametrize("service", workspace_services())
def test_every_file_a_stage_copies_is_in_the_build_context(service: str) -> None:
    copies = [c for c in DOCKERFILE.copies(build_args(service)) if c.from_stage is None]
    assert copies
    for copy in copies:
        for source in copy.sources:
            assert context_files(ROOT, source, IGNORE), f"{source} is not in the build context"
    # What the build stage's RUN takes from the copied tree: the service's migrations.
    for needed in (f"services/{service}/alembic.ini", f"services/{service}/migrations/env.py"):
        assert not IGNORE.excluded(needed)
        assert (ROOT / needed).is_file()


@pytest.mark.parametrize("service", workspace_services())
def test_every_workspace_member_reaches_the_build_stage(service: str) -> None:
    """uv reads the whole workspace from the lock: each member's pyproject must be sent."""
    sent = {
        f
        for c in DOCKERFILE.copies(build_args(service))
        if c.from_stage is None
        for s in c.sources
        for f in context_files(ROOT, s, IGNORE)
    }
    members = [p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*/pyproject.toml")]
    assert {"pyproject.toml", "uv.lock", *members} <= sent
    assert not any(f.startswith(("var/", ".venv/", "tests/", ".git/")) for f in sent)
    assert ".env" not in sent


def test_docker_ignore_follows_dockers_rules() -> None:
    ignore = DockerIgnore("deploy\n!deploy/image/entrypoint.sh\n**/__pycache__\n*.md\n")
    assert ignore.excluded("deploy/k8s/base/kustomization.yaml")
    assert not ignore.excluded("deploy/image/entrypoint.sh")
    assert ignore.excluded("services/x/src/__pycache__/a.pyc")
    assert ignore.excluded("README.md")
    assert not ignore.excluded("services/x/README.md")  # `*.md` is the root only
    assert not ignore.excluded("services/x/pyproject.toml")


def test_the_runtime_stage_is_slim_non_root_and_healthy() -> None:
    stages = DOCKERFILE.stages()
    assert len(stages) >= 2, "multi-stage: the build tools stay in the build stage"
    runtime = stages[-1]
    base = substitute(DOCKERFILE.of("FROM", runtime)[0].args.split()[0], build_args("registry"))
    assert "slim" in base
    assert ":" in base
    assert not base.endswith(":latest")
    users = DOCKERFILE.of("USER", runtime)
    assert users
    assert users[-1].args.split(":")[0] not in ("root", "0")
    assert DOCKERFILE.of("HEALTHCHECK", runtime)
    runtime_text = " ".join(i.args for i in DOCKERFILE.instructions if i.stage == runtime)
    for tool in ("uv ", "/uv", "pip install", "apt-get", "gcc"):
        assert tool not in runtime_text, f"{tool.strip()} in the runtime stage"
    # The runtime copies the virtualenv from the build stage, never the source tree.
    runtime_copies = [c for c in DOCKERFILE.copies(build_args("registry")) if c.stage == runtime]
    assert {c.from_stage for c in runtime_copies} <= {"build", None}
    assert all(
        s.startswith("deploy/image/")
        for c in runtime_copies
        if c.from_stage is None
        for s in c.sources
    )
    # Production by default: nothing sets CWP_ENV, whose absence means prod.
    assert "CWP_ENV" not in " ".join(i.args for i in DOCKERFILE.of("ENV"))
    # The build stage installs from the lock file only.
    assert any("--frozen" in i.args for i in DOCKERFILE.of("RUN", stages[0]))


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_entry_point_migrates_then_serves(tmp_path: Path, tokens: Tokens) -> None:
    """The image's two commands, run for real on SQLite: `migrate` brings the schema to
    head, and `serve` answers /livez on the port the environment gives."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CWP_SERVICE": "career",
        "CWP_APP_DIR": str(ROOT),
        "CWP_ENV": "dev",
        "CWP_JWT_PUBLIC_KEY_PATH": str(tokens.public_path),
        "CAREER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/career.db",
        "CAREER_CONSUME_EVENTS": "false",
        "CAREER_DAILY_REGRADE": "false",
        "CWP_NATS_URL": f"nats://127.0.0.1:{_free_port()}",  # nobody there: it rides that out
    }
    subprocess.run(["sh", str(ENTRYPOINT), "migrate"], env=env, cwd=tmp_path, check=True)
    assert (tmp_path / "career.db").stat().st_size > 0
    port = _free_port()
    proc = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "serve"], env={**env, "CAREER_PORT": str(port)}, cwd=tmp_path
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, "the service exited"
                assert time.monotonic() < deadline, "no /livez answer in 60 s"
                time.sleep(0.2)
        # exec: the service itself is the process the orchestrator signals
        assert b"cwp_career" in Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    finally:
        proc.terminate()
        # uvicorn shuts down, then ends with the signal it got
        assert proc.wait(15) in (0, -15)


def test_make_run_starts_every_service_of_the_workspace() -> None:
    """Adding a service includes `make run`'s list (the gateway last: it routes)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert set(run.SERVICES) == set(workspace_services())
    assert run.SERVICES[-1] == "gateway"
