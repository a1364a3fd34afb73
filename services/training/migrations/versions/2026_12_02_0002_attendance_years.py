"""attendance_years and obligations.minutes_done: minutes per worker and calendar
year, and per personal obligation, built from the hours ledger

Compliance reads these totals instead of scanning the ledger; every ledger write keeps
them (cwp_training.classes.writer.credit). The fills below are the formulas of
cwp_training.classes.writer.rebuild_statement and obligations_statement: the ledger
summed per worker and year, and over each obligation's window.

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

    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("minutes_done", sa.Integer(), nullable=False, server_default="0")
        )
    obligations = sa.table(
        "obligations",
        sa.column("worker_id", sa.Uuid()),
        sa.column("period_start", sa.Date()),
        sa.column("period_end", sa.Date()),
        sa.column("minutes_done", sa.Integer()),
    )
    done = (
        sa.select(sa.func.coalesce(sa.func.sum(ledger.c.minutes), 0))
        .where(
            ledger.c.worker_id == obligations.c.worker_id,
            ledger.c.day >= obligations.c.period_start,
            ledger.c.day <= obligations.c.period_end,
        )
        .scalar_subquery()
    )
    op.execute(obligations.update().values(minutes_done=done))


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_column("minutes_done")
    op.drop_table("attendance_years")
