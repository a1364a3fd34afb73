"""exit cases opened by career's exit recommendations, decided by a person

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "exit_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("recommended_reason", sa.String(120), nullable=False),
        sa.Column("failing_years", sa.JSON(), nullable=False),
        sa.Column("tracks", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exit_reason", sa.String(16), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=True),
        sa.Column("decided_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_exit_cases_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_cases")),
    )
    op.create_index(
        "uq_exit_cases_open_worker",
        "exit_cases",
        ["worker_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_exit_cases_open_worker", table_name="exit_cases")
    op.drop_table("exit_cases")
