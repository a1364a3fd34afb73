"""bonus lines: annual one-off bonuses (全年一次性奖金) entered by staff per worker and
month, paid by that month's run

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bonus_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_lines")),
        sa.UniqueConstraint("worker_id", "period", name=op.f("uq_bonus_lines_worker_id")),
    )


def downgrade() -> None:
    op.drop_table("bonus_lines")
