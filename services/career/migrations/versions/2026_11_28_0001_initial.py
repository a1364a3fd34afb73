"""initial: ladders, worker projection, grade history, regrade jobs, assessments, exit
recommendations, and the event tables every service keeps (outbox, inbox, dead letters)

Revision ID: 0001
Revises:
Create Date: 2026-11-28 08:00:47.783160
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_career.db
import cwp_common.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "political_quality", cwp_career.db.ExactDecimal(precision=5, scale=2), nullable=False
        ),
        sa.Column(
            "work_performance", cwp_career.db.ExactDecimal(precision=5, scale=2), nullable=False
        ),
        sa.Column(
            "resident_satisfaction",
            cwp_career.db.ExactDecimal(precision=5, scale=2),
            nullable=False,
        ),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ladder_id", sa.Uuid(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("passing", sa.Boolean(), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("worker_id", "year", name=op.f("uq_assessments_worker_id")),
    )
    op.create_index(
        "ix_assessments_community_year", "assessments", ["community_code", "year"], unique=False
    )

    op.create_table(
        "dead_letters",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "exit_recommendations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("failing_years", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_recommendations")),
    )
    op.create_index(
        "ix_exit_recommendations_community_code",
        "exit_recommendations",
        ["community_code"],
        unique=False,
    )
    op.create_index(
        "ix_exit_recommendations_worker_id", "exit_recommendations", ["worker_id"], unique=False
    )

    op.create_table(
        "grade_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("from_category", sa.String(length=40), nullable=True),
        sa.Column("from_grade", sa.Integer(), nullable=True),
        sa.Column("to_category", sa.String(length=40), nullable=False),
        sa.Column("to_grade", sa.Integer(), nullable=False),
        sa.Column(
            "pay_coefficient", cwp_career.db.ExactDecimal(precision=10, scale=4), nullable=False
        ),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("ladder_id", sa.Uuid(), nullable=False),
        sa.Column(
            "inputs",
            sa.JSON(),
            nullable=False,
        ),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_history")),
    )
    op.create_index(
        "ix_grade_history_worker", "grade_history", ["worker_id", "effective_date"], unique=False
    )

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("processed_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "ladders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=4), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "body",
            sa.JSON(),
            nullable=False,
        ),
        sa.Column("published_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladders")),
        sa.UniqueConstraint("jurisdiction", "effective_date", name=op.f("uq_ladders_jurisdiction")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "seq"], unique=False)

    op.create_table(
        "professional_levels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("obtained_date", sa.Date(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professional_levels")),
        sa.UniqueConstraint(
            "worker_id", "kind", "level", name=op.f("uq_professional_levels_worker_id")
        ),
    )
    op.create_table(
        "regrade_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("ladder_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrade_jobs")),
    )
    op.create_table(
        "workers",
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=False),
        sa.Column("position_since", sa.Date(), nullable=False),
        sa.Column("community_since", sa.Date(), nullable=False),
        sa.Column("education", sa.String(length=32), nullable=False),
        sa.Column("qualification", sa.String(length=16), nullable=True),
        sa.Column("skill_level", sa.String(length=16), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=False),
        sa.Column("service_start_date", sa.Date(), nullable=False),
        sa.Column("uncounted_years", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column(
            "pay_coefficient", cwp_career.db.ExactDecimal(precision=10, scale=4), nullable=True
        ),
        sa.Column("ladder_id", sa.Uuid(), nullable=True),
        sa.Column("grade_effective_date", sa.Date(), nullable=True),
        sa.Column("next_step_date", sa.Date(), nullable=True),
        sa.Column("updated_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_workers")),
    )
    op.create_index(
        "ix_workers_community_code", "workers", ["community_code", "worker_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_workers_community_code", table_name="workers")

    op.drop_table("workers")
    op.drop_table("regrade_jobs")
    op.drop_table("professional_levels")
    op.drop_index("ix_outbox_pending", table_name="outbox")

    op.drop_table("outbox")
    op.drop_table("ladders")
    op.drop_table("inbox")
    op.drop_index("ix_grade_history_worker", table_name="grade_history")

    op.drop_table("grade_history")
    op.drop_index("ix_exit_recommendations_worker_id", table_name="exit_recommendations")
    op.drop_index("ix_exit_recommendations_community_code", table_name="exit_recommendations")

    op.drop_table("exit_recommendations")
    op.drop_table("dead_letters")
    op.drop_index("ix_assessments_community_year", table_name="assessments")

    op.drop_table("assessments")
