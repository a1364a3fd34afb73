"""What the deployment checks share: the repository root and the platform's services
(every folder under services/ with its own migrations)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def workspace_services() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/alembic.ini"))
