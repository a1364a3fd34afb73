"""login failures: failed sign-ins in a row per name, and the locks they set

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:21:21.335064
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "login_key", name=op.f("pk_login_failures")),
    )
    op.create_index(
        op.f("ix_login_failures_last_failure_at"),
        "login_failures",
        ["last_failure_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_last_failure_at"), table_name="login_failures")
    op.drop_table("login_failures")
