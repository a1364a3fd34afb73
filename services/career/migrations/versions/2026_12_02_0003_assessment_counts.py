"""assessment_counts: the assessment summary's counts per community and day, filled from
the confirmed results (each counted in its worker's current community from the day of
its confirmation, as the summary counted them until now); assessments.counted_in

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The day of confirmation in China time (UTC+8 all year: no daylight saving).
CHINA_DAY = {
    "postgresql": "(a.confirmed_at AT TIME ZONE 'Asia/Shanghai')::date",
    "sqlite": "date(a.confirmed_at, '+8 hours')",
}


def upgrade() -> None:
    op.create_table(
        "assessment_counts",
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_code", "year", "result", "day", name=op.f("pk_assessment_counts")
        ),
    )
    op.add_column("assessments", sa.Column("counted_in", sa.String(12), nullable=True))
    op.execute(
        "UPDATE assessments SET counted_in = COALESCE((SELECT w.community_code FROM workers w "
        "WHERE w.worker_id = assessments.worker_id), community_code) "
        "WHERE status = 'confirmed'"
    )
    day = CHINA_DAY[op.get_bind().dialect.name]
    op.execute(  # the only text put in is one of CHINA_DAY's expressions
        "INSERT INTO assessment_counts (community_code, year, result, day, delta) "  # noqa: S608
        f"SELECT a.counted_in, a.year, a.result, {day}, COUNT(*) FROM assessments a "
        f"WHERE a.status = 'confirmed' GROUP BY a.counted_in, a.year, a.result, {day}"
    )


def downgrade() -> None:
    op.drop_table("assessment_counts")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("counted_in")
