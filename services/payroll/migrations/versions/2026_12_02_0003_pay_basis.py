"""pay basis: the pay a payslip's contribution bases were set from (the previous year's
average monthly pay, or a new hire's first month's pay, kept for the year)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL payslips is partitioned: the column reaches every partition.
    op.add_column("payslips", sa.Column("pay_basis", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payslips") as batch:
        batch.drop_column("pay_basis")
