"""identity checks: per-account counter windows and the audit trail of ID-number checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "id_check_windows",
        sa.Column("account", sa.String(160), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account", "window_start", name=op.f("pk_id_check_windows")),
    )
    op.create_table(
        "id_check_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.Column("account", sa.String(160), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=True),
        sa.Column("id_number_hash", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_check_audit")),
    )
    op.create_index("ix_id_check_audit_account_at", "id_check_audit", ["account", "at"])


def downgrade() -> None:
    op.drop_index("ix_id_check_audit_account_at", table_name="id_check_audit")
    op.drop_table("id_check_audit")
    op.drop_table("id_check_windows")
