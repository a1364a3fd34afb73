"""initial: communities, workers, worker transfers, and the event tables

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types on purpose: a migration must not change when application code does.
UTC_TIMESTAMP = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY = rowid
NOT_EXITED = sa.text("status != 'exited'")


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("urban_rural_code", sa.String(3), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.CheckConstraint("households >= 0", name=op.f("ck_communities_households_not_negative")),
        sa.CheckConstraint("population >= 0", name=op.f("ck_communities_population_not_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_communities")),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("id_number_cipher", sa.String(200), nullable=False),
        sa.Column("id_number_hash", sa.String(64), nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("employment_type", sa.String(32), nullable=False),
        sa.Column("education", sa.String(32), nullable=False),
        sa.Column("political_status", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(11), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=False),
        sa.Column("service_start_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exit_reason", sa.String(16), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("exit_note", sa.String(500), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_workers_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_index("ix_workers_community_code_id", "workers", ["community_code", "id"])
    op.create_index(
        "uq_workers_current_id_number",
        "workers",
        ["id_number_hash"],
        unique=True,
        sqlite_where=NOT_EXITED,
        postgresql_where=NOT_EXITED,
    )
    op.create_table(
        "worker_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("from_community_code", sa.String(12), nullable=False),
        sa.Column("to_community_code", sa.String(12), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("service_years_carried", sa.Boolean(), nullable=False),
        sa.Column("previous_service_start_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["from_community_code"],
            ["communities.code"],
            name=op.f("fk_worker_transfers_from_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["to_community_code"],
            ["communities.code"],
            name=op.f("fk_worker_transfers_to_community_code_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_worker_transfers_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_transfers")),
    )
    op.create_index(
        "ix_worker_transfers_worker_id", "worker_transfers", ["worker_id", "effective_date"]
    )

    # Event tables, as cwp_common.events.tables defines them.
    op.create_table(
        "outbox",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("published_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "seq"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(80), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("processed_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "dead_letters",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("consumer", sa.String(80), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_dead_letters")),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_worker_transfers_worker_id", table_name="worker_transfers")
    op.drop_table("worker_transfers")
    op.drop_index("uq_workers_current_id_number", table_name="workers")
    op.drop_index("ix_workers_community_code_id", table_name="workers")
    op.drop_table("workers")
    op.drop_table("communities")
