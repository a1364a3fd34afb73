"""workforce statistics: aggregate counts per region level (with their history) and the
grade and qualification of each worker, filled from the workers and communities held

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = (0, 2, 4, 6, 9, 12)
WORKER_DIMS = {
    "headcount": "'all'",
    "position": "position",
    "employment_type": "employment_type",
    "status": "status",
    "sex": "sex",
    "education": "education",
    "political_status": "political_status",
    "birth_year": "substr(CAST(birth_date AS VARCHAR), 1, 4)",
    "qualification": "'none'",
    "grade": "'ungraded'",
}
COMMUNITY_DIMS = {"communities": "1", "residents": "population", "households": "households"}


def _month(column: str) -> str:
    return f"CAST(substr(replace(CAST({column} AS VARCHAR), '-', ''), 1, 6) AS INTEGER)"


def upgrade() -> None:
    op.create_table(
        "workforce_counts",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(16), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "level", "region", "grain", "period", "dim", "value", name=op.f("pk_workforce_counts")
        ),
    )
    op.create_index(
        "ix_workforce_counts_dim",
        "workforce_counts",
        ["level", "dim", "grain", "region", "period"],
    )
    op.create_table(
        "worker_grades",
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("grade", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_grades")),
    )
    op.create_table(
        "worker_qualifications",
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_qualifications")),
    )
    _count_what_is_held()


def _count_what_is_held() -> None:
    """What the registry holds now, recorded today (China time); flows by the hire and
    exit months. Transfers made before this revision are not counted as flows."""
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    day, month = today.year * 10000 + today.month * 100 + today.day, today.year * 100 + today.month
    insert = "INSERT INTO workforce_counts (level, region, grain, period, dim, value, delta) "
    for level in LEVELS:
        region = f"substr(community_code, 1, {level})"
        for grain, period in (("d", day), ("m", month)):
            for dim, value in WORKER_DIMS.items():
                op.execute(
                    f"{insert}SELECT {level}, {region}, '{grain}', {period}, '{dim}', {value}, "  # noqa: S608 (fixed names)
                    "count(*) FROM workers WHERE status != 'exited' GROUP BY 2, 6"
                )
            for dim, amount in COMMUNITY_DIMS.items():
                code = f"substr(code, 1, {level})"
                op.execute(
                    f"{insert}SELECT {level}, {code}, '{grain}', {period}, '{dim}', 'all', "  # noqa: S608
                    f"sum({amount}) FROM communities WHERE valid_to IS NULL GROUP BY 2"
                )
        for kind, column, where in (
            ("joined", "hire_date", "1 = 1"),
            ("left", "exit_date", "exit_date IS NOT NULL"),
        ):
            op.execute(
                f"{insert}SELECT {level}, {region}, 'f', {_month(column)}, 'flow', '{kind}', "  # noqa: S608
                f"count(*) FROM workers WHERE {where} GROUP BY 2, 4"
            )


def downgrade() -> None:
    op.drop_table("worker_qualifications")
    op.drop_table("worker_grades")
    op.drop_index("ix_workforce_counts_dim", table_name="workforce_counts")
    op.drop_table("workforce_counts")
