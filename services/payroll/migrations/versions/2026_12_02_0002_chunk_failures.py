"""chunk failures: a chunk that keeps raising is marked failed with its reason after a
bounded number of deliveries, and the run counts its failed chunks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(
            sa.Column("chunks_failed", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("run_chunks") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("deliveries", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("run_chunks") as batch:
        batch.drop_column("deliveries")
        batch.drop_column("reason")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("chunks_failed")
