"""worker self-service accounts and their one-time activation codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:20:00
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("worker_id", sa.Uuid(), nullable=True))
        batch.create_unique_constraint(op.f("uq_accounts_worker_id"), ["worker_id"])
    op.create_table(
        "activation_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("expires_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_activation_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_activation_codes_account_id"), "activation_codes", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_activation_codes_account_id"), table_name="activation_codes")
    op.drop_table("activation_codes")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("uq_accounts_worker_id"), type_="unique")
        batch.drop_column("worker_id")
