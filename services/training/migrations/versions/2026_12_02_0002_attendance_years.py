"""attendance_years: minutes per worker and calendar year, built from the hours ledger

Compliance reads these totals instead of scanning the ledger; every ledger write keeps
them (cwp_training.classes.writer.credit). The fill below is the same formula as
cwp_training.classes.writer.rebuild_statement: the ledger summed per worker and year.

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
    years = op.create_table(
        "attendance_years",
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", "year", name=op.f("pk_attendance_years")),
    )
    ledger = sa.table(
        "attendance",
        sa.column("worker_id", sa.Uuid()),
        sa.column("day", sa.Date()),
        sa.column("minutes", sa.Integer()),
    )
    year = sa.extract("year", ledger.c.day)
    op.execute(
        years.insert().from_select(
            ["worker_id", "year", "minutes"],
            sa.select(ledger.c.worker_id, year, sa.func.sum(ledger.c.minutes)).group_by(
                ledger.c.worker_id, year
            ),
        )
    )


def downgrade() -> None:
    op.drop_table("attendance_years")
