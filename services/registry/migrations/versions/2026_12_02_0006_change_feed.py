"""change feed: every event of the registry with the communities it concerns, filled
with the events already in the outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    changes = op.create_table(
        "changes",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("from_community_code", sa.String(12), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
    )
    # The registry's past events, in the order they were staged.
    rows = op.get_bind().execute(sa.text("SELECT body FROM outbox ORDER BY seq"))
    past = []
    for (body,) in rows:
        event = json.loads(bytes(body))
        data = event.get("data") or {}
        code = data.get("community_code") or data.get("code")
        if not event["type"].startswith("registry.") or not code:
            continue
        past.append(
            {
                "event_id": event["id"],
                "type": event["type"],
                "subject": event.get("subject"),
                "community_code": code,
                "from_community_code": data.get("from_community_code"),
                "data": data,
                "at": datetime.fromisoformat(event["time"].replace("Z", "+00:00")),
            }
        )
    if past:
        op.bulk_insert(changes, past)


def downgrade() -> None:
    op.drop_table("changes")
