"""worker projection: 学位, concurrent posts, employment type, retirement date, a grade
kept from a move, a service reset point; exit recommendations: their tracks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY = sa.text("''")


def upgrade() -> None:
    op.add_column("workers", sa.Column("degree", sa.String(16), nullable=True))
    op.add_column(
        "workers",
        sa.Column("concurrent_posts", sa.String(200), server_default=EMPTY, nullable=False),
    )
    op.add_column("workers", sa.Column("employment_type", sa.String(32), nullable=True))
    op.add_column("workers", sa.Column("retirement_date", sa.Date(), nullable=True))
    op.add_column("workers", sa.Column("grade_floor", sa.Integer(), nullable=True))
    op.add_column("workers", sa.Column("counted_from", sa.Date(), nullable=True))
    op.add_column(
        "exit_recommendations",
        sa.Column("tracks", sa.String(100), server_default=EMPTY, nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("exit_recommendations") as batch:
        batch.drop_column("tracks")
    with op.batch_alter_table("workers") as batch:
        for column in (
            "counted_from",
            "grade_floor",
            "retirement_date",
            "employment_type",
            "concurrent_posts",
            "degree",
        ):
            batch.drop_column(column)
