"""workers: 学位 apart from 学历, the start of the current post, concurrent posts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workers", sa.Column("degree", sa.String(16), nullable=True))
    op.add_column("workers", sa.Column("position_since", sa.Date(), nullable=True))
    op.add_column(
        "workers",
        sa.Column("concurrent_posts", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    # Until now the post was taken to start on the hire date.
    op.execute("UPDATE workers SET position_since = hire_date WHERE position_since IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("concurrent_posts")
        batch.drop_column("position_since")
        batch.drop_column("degree")
