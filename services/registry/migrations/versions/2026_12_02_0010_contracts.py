"""labour contracts and social-insurance / housing-fund enrolments

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "labour_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("employer_code", sa.String(9), nullable=False),
        sa.Column("employer_kind", sa.String(16), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("probation_months", sa.Integer(), nullable=False),
        sa.Column("probation_end_date", sa.Date(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("worker_requested_fixed_term", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_labour_contracts_worker_id_workers")
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["labour_contracts.id"],
            name=op.f("fk_labour_contracts_previous_id_labour_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_contracts")),
    )
    op.create_index(
        "uq_labour_contracts_active_worker",
        "labour_contracts",
        ["worker_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_labour_contracts_worker_id", "labour_contracts", ["worker_id", "start_date"]
    )
    op.create_index("ix_labour_contracts_status_end", "labour_contracts", ["status", "end_date"])
    op.create_table(
        "insurance_enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(24), nullable=False),
        sa.Column("insured_place", sa.String(6), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("contribution_base_fen", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_insurance_enrolments_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_enrolments")),
    )
    op.create_index(
        "ix_insurance_enrolments_worker", "insurance_enrolments", ["worker_id", "scheme"]
    )


def downgrade() -> None:
    op.drop_index("ix_insurance_enrolments_worker", table_name="insurance_enrolments")
    op.drop_table("insurance_enrolments")
    op.drop_index("ix_labour_contracts_status_end", table_name="labour_contracts")
    op.drop_index("ix_labour_contracts_worker_id", table_name="labour_contracts")
    op.drop_index("uq_labour_contracts_active_worker", table_name="labour_contracts")
    op.drop_table("labour_contracts")
