"""management (duty rules and records, rewards and discipline), supervision (disclosures,
economic responsibility audits) and care records

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def _worker_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["worker_id"], ["workers.id"], name=op.f(f"fk_{table}_worker_id_workers")
    )


def upgrade() -> None:
    op.create_table(
        "duty_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(500), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_rules")),
    )
    op.create_index("ix_duty_rules_jurisdiction", "duty_rules", ["jurisdiction", "kind"])
    op.create_table(
        "duty_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        _worker_fk("duty_records"),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["duty_rules.id"], name=op.f("fk_duty_records_rule_id_duty_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_records")),
    )
    op.create_index("ix_duty_records_worker", "duty_records", ["worker_id", "on"])
    op.create_table(
        "conduct_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        _worker_fk("conduct_records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_records")),
    )
    op.create_index("ix_conduct_records_worker", "conduct_records", ["worker_id", "decided_on"])
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_disclosures_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index(
        "ix_disclosures_community", "disclosures", ["community_code", "kind", "period_end"]
    )
    op.create_table(
        "economic_audits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("auditor", sa.String(200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("conclusion", sa.String(24), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        _worker_fk("economic_audits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economic_audits")),
    )
    op.create_index("ix_economic_audits_worker", "economic_audits", ["worker_id", "period_to"])
    op.create_table(
        "care_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        _worker_fk("care_records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_records")),
    )
    op.create_index("ix_care_records_worker", "care_records", ["worker_id", "kind", "on"])


def downgrade() -> None:
    for table, index in (
        ("care_records", "ix_care_records_worker"),
        ("economic_audits", "ix_economic_audits_worker"),
        ("disclosures", "ix_disclosures_community"),
        ("conduct_records", "ix_conduct_records_worker"),
        ("duty_records", "ix_duty_records_worker"),
        ("duty_rules", "ix_duty_rules_jurisdiction"),
    ):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
